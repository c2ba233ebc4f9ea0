import { createHash } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { RedisClient } from '../stores/redis.js'
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible'

/**
 * Failure budgets. Only failures count (sign-ups: every attempt); they expire on their own, so an
 * attacker can slow an account down but never lock its owner out for good (known devices have
 * budgets of their own: see routes/auth.ts). test/readme-rate-limits.test.ts holds the README's table
 * to these numbers.
 */
export const RATE_LIMIT_POLICY = {
  loginPerIp: { points: 100, durationS: 15 * 60, blockS: 15 * 60, what: 'failed logins per IP' },
  loginPerAccountAndIp: { points: 10, durationS: 60 * 60, blockS: 15 * 60, what: 'consecutive failed logins per account and IP (reset by a success)' },
  loginPerAccount: { points: 50, durationS: 60 * 60, blockS: 5 * 60, what: 'failed logins per account from any IP (soft: slows a distributed attack)' },
  loginPerDevice: { points: 10, durationS: 60 * 60, blockS: 60 * 60, what: 'consecutive failed logins from a known device (a valid device cookie for the account; reset by a success)' },
  registerPerIp: { points: 30, durationS: 60 * 60, blockS: 60 * 60, what: 'sign-up attempts per IP, accounts created included' },
  refreshPerIp: { points: 60, durationS: 15 * 60, blockS: 15 * 60, what: 'failed refreshes or logouts per IP' },
  passwordPerAccount: { points: 10, durationS: 60 * 60, blockS: 15 * 60, what: 'wrong passwords at /me/password and /me/reauthenticate per account' },
  clientPerIp: { points: 20, durationS: 15 * 60, blockS: 15 * 60, what: 'failed client or admin authentications (/introspect, /revocations/stream, /admin) per IP' },
} as const

export type LimitName = keyof typeof RATE_LIMIT_POLICY

/** One attempt admitted by `reserve`: it holds a point of its key's budget until it is settled. */
export interface Reservation {
  readonly key: string
  /** This attempt took the budget's last point: if it fails, the key is locked. */
  readonly last: boolean
}

export type Admission = { ok: true; reservation: Reservation } | { ok: false; retryAfterMs: number }

/**
 * How an admitted attempt ended: `failure` keeps its point (the last point's failure locks the key),
 * `success` gives it back, `reset` forgets every failure of the key (consecutive-failure budgets),
 * `void` gives it back because nothing was judged (a malformed request, a dependency outage).
 */
export type Outcome = 'failure' | 'success' | 'reset' | 'void'

export interface FailureLimiter {
  /**
   * Milliseconds until `key` may try again, or 0 when it is not blocked. `localOnly` asks only this
   * instance's memory of blocks (no Redis round trip), for hot paths such as /introspect: a block
   * counted elsewhere reaches this instance at the next failure it sees from that key.
   */
  blockedForMs(key: string, options?: { localOnly?: boolean }): Promise<number>
  /**
   * Counts one failure that already happened, atomically: 0 when it was within the budget (the one
   * that spends the last point locks the key), else the milliseconds until the key may try again.
   */
  fail(key: string): Promise<number>
  /**
   * Takes one point before an attempt is made, atomically across instances, so parallel attempts
   * cannot outrun the budget: attempts in flight count as failures until they are settled.
   */
  reserve(key: string): Promise<Admission>
  settle(reservation: Reservation, outcome: Outcome): Promise<void>
  /** Forgets the failures of `key` (after a success). */
  reset(key: string): Promise<void>
}

const LOCAL_BLOCKS_MAX = 10_000
/**
 * A locked key holds this many points (far above any budget), so giving back the point of an attempt
 * that was in flight when the lock fell does not lift it, and a lock is told from a full budget.
 */
const LOCKED = 1_000_000_000
/** A budget full of attempts still in flight: they are decided within about a second. */
const IN_FLIGHT_RETRY_MS = 1000

const isLimiterRes = (value: unknown): value is RateLimiterRes =>
  typeof value === 'object' && value !== null && typeof (value as RateLimiterRes).msBeforeNext === 'number'

function wrap(limiter: RateLimiterAbstract, points: number, blockS: number, clock: Clock): FailureLimiter {
  const nowMs = () => clock.now().getTime()
  // Blocks this instance has seen, so a blocked key costs no Redis round trip on the next request.
  const localBlocks = new Map<string, number>()
  const remember = (key: string, ms: number) => {
    if (localBlocks.size >= LOCAL_BLOCKS_MAX) localBlocks.delete(localBlocks.keys().next().value!)
    localBlocks.set(key, nowMs() + ms)
  }
  const localWait = (key: string) => {
    const until = localBlocks.get(key)
    if (until === undefined) return 0
    if (until > nowMs()) return until - nowMs()
    localBlocks.delete(key)
    return 0
  }
  const lock = async (key: string) => {
    remember(key, blockS * 1000)
    await limiter.set(key, LOCKED, blockS).catch(() => undefined)
  }
  const giveBack = async (key: string) => {
    const res = await limiter.reward(key).catch(() => null)
    // The key was reset or its lock expired while the attempt was in flight: never below zero.
    if (res && res.consumedPoints < 0) await limiter.penalty(key, -res.consumedPoints).catch(() => undefined)
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
        // The failure that spends the last point locks at once: `points` failures, then 429.
        if (res.consumedPoints >= points) await lock(key)
        return 0
      } catch (rejection) {
        // Already over the budget (locked, here or by another instance): remember the lock here too.
        if (!isLimiterRes(rejection)) return 0
        remember(key, rejection.msBeforeNext)
        return Math.max(1, rejection.msBeforeNext)
      }
    },
    async reserve(key) {
      const local = localWait(key)
      if (local > 0) return { ok: false, retryAfterMs: local }
      try {
        const res = await limiter.consume(key)
        return { ok: true, reservation: { key, last: res.consumedPoints >= points } }
      } catch (rejection) {
        // Neither store answered (not even the in-memory insurance): admit rather than lock everyone out.
        if (!isLimiterRes(rejection)) return { ok: true, reservation: { key, last: false } }
        // The refused attempt is not counted: only admitted attempts hold points.
        await giveBack(key)
        if (rejection.consumedPoints < LOCKED / 2) return { ok: false, retryAfterMs: IN_FLIGHT_RETRY_MS }
        remember(key, rejection.msBeforeNext)
        return { ok: false, retryAfterMs: Math.max(1, rejection.msBeforeNext) }
      }
    },
    async settle(reservation, outcome) {
      const { key } = reservation
      if (outcome === 'failure') {
        if (reservation.last) await lock(key)
      } else if (outcome === 'reset') {
        localBlocks.delete(key)
        await limiter.delete(key).catch(() => false)
      } else {
        await giveBack(key)
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
export function createRateLimiters(redis: RedisClient | null, prefix: string, clock: Clock): Record<LimitName, FailureLimiter> {
  const entries = Object.entries(RATE_LIMIT_POLICY).map(([name, policy]) => {
    // No blockDuration: locks are set by `wrap` (LOCKED points for blockS) when failures spend the budget.
    const options = { keyPrefix: `${prefix}rl:${name}`, points: policy.points, duration: policy.durationS }
    const memory = new RateLimiterMemory(options)
    // rejectIfRedisNotReady: a Redis (or Cluster) still connecting sends the call to the insurance limiter at once.
    const limiter = redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory, rejectIfRedisNotReady: true }) : memory
    return [name, wrap(limiter, policy.points, policy.blockS, clock)]
  })
  return Object.fromEntries(entries) as Record<LimitName, FailureLimiter>
}

/** Accounts are keyed by a hash of the normalised email: no email addresses in Redis keys. */
export function accountKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22)
}
