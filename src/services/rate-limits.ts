import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible'

/**
 * Failure budgets. Only failures count; they expire on their own, so an attacker can slow an account
 * down but never lock its owner out for good. The README's table is generated from the same numbers.
 */
export const RATE_LIMIT_POLICY = {
  loginPerIp: { points: 100, durationS: 15 * 60, blockS: 15 * 60, what: 'failed logins per IP' },
  loginPerAccountAndIp: { points: 10, durationS: 60 * 60, blockS: 15 * 60, what: 'consecutive failed logins per account and IP (reset by a success)' },
  loginPerAccount: { points: 50, durationS: 60 * 60, blockS: 5 * 60, what: 'failed logins per account from any IP (soft: slows a distributed attack)' },
  registerPerIp: { points: 30, durationS: 15 * 60, blockS: 15 * 60, what: 'refused sign-ups (400/409) per IP' },
  refreshPerIp: { points: 60, durationS: 15 * 60, blockS: 15 * 60, what: 'failed refreshes or logouts per IP' },
  passwordPerAccount: { points: 10, durationS: 60 * 60, blockS: 15 * 60, what: 'wrong passwords at /me/password and /me/reauthenticate per account' },
  clientPerIp: { points: 20, durationS: 15 * 60, blockS: 15 * 60, what: 'failed client or admin authentications (/introspect, /admin) per IP' },
} as const

export type LimitName = keyof typeof RATE_LIMIT_POLICY

export interface FailureLimiter {
  /**
   * Milliseconds until `key` may try again, or 0 when it is not blocked. `localOnly` asks only this
   * instance's memory of blocks (no Redis round trip), for hot paths such as /introspect: a block
   * counted elsewhere reaches this instance at the next failure it sees from that key.
   */
  blockedForMs(key: string, options?: { localOnly?: boolean }): Promise<number>
  /** Counts one failure. */
  fail(key: string): Promise<void>
  /** Forgets the failures of `key` (after a success). */
  reset(key: string): Promise<void>
}

const LOCAL_BLOCKS_MAX = 10_000

function wrap(limiter: RateLimiterAbstract, points: number, blockS: number): FailureLimiter {
  // Blocks this instance has seen, so a blocked key costs no Redis round trip on the next request.
  const localBlocks = new Map<string, number>()
  const remember = (key: string, ms: number) => {
    if (localBlocks.size >= LOCAL_BLOCKS_MAX) localBlocks.delete(localBlocks.keys().next().value!)
    localBlocks.set(key, Date.now() + ms)
  }
  const localWait = (key: string) => {
    const until = localBlocks.get(key)
    if (until === undefined) return 0
    if (until > Date.now()) return until - Date.now()
    localBlocks.delete(key)
    return 0
  }
  return {
    async blockedForMs(key, options = {}) {
      const local = localWait(key)
      if (local > 0 || options.localOnly) return local
      const res = await limiter.get(key).catch(() => null)
      if (!res || res.consumedPoints <= points) return 0
      remember(key, res.msBeforeNext)
      return res.msBeforeNext
    },
    async fail(key) {
      try {
        const res = await limiter.consume(key)
        // The failure that spends the last point blocks at once: `points` failures, then 429.
        if (res.remainingPoints <= 0) {
          await limiter.block(key, blockS)
          remember(key, blockS * 1000)
        }
      } catch (rejection) {
        // Already over the budget (another instance blocked it): remember the block here too.
        const res = rejection as RateLimiterRes
        if (typeof res?.msBeforeNext === 'number') remember(key, res.msBeforeNext)
      }
    },
    async reset(key) {
      localBlocks.delete(key)
      await limiter.delete(key).catch(() => false)
    },
  }
}

/**
 * One limiter per policy line, in Redis when there is one (shared by every instance), with an
 * in-memory insurance limiter that answers at once while Redis is down; in memory otherwise.
 */
export function createRateLimiters(redis: Redis | null, prefix: string): Record<LimitName, FailureLimiter> {
  const entries = Object.entries(RATE_LIMIT_POLICY).map(([name, policy]) => {
    const options = { keyPrefix: `${prefix}rl:${name}`, points: policy.points, duration: policy.durationS, blockDuration: policy.blockS }
    const memory = new RateLimiterMemory(options)
    const limiter = redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory }) : memory
    return [name, wrap(limiter, policy.points, policy.blockS)]
  })
  return Object.fromEntries(entries) as Record<LimitName, FailureLimiter>
}

/** Accounts are keyed by a hash of the normalised email: no email addresses in Redis keys. */
export function accountKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22)
}
