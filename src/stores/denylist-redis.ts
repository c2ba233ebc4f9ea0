import { randomUUID } from 'node:crypto'
import type { Redis, Result } from 'ioredis'
import type { Denylist, DenylistAnswer, RevokedEntry } from './denylist.js'

/**
 * The whole denylist is ONE sorted set: member = session id, score = when the entry may be forgotten
 * (ms, Redis server time), plus the completeness marker as a member scored +inf. Redis evicts, flushes
 * and loses whole keys, never single members, so a lost entry always takes the marker with it: the
 * list is then untrusted (`unknown`) and the ledger answers until it is rebuilt. One key also means
 * one slot on Redis Cluster. Scores use the server's clock (TIME), so instances' clocks never matter.
 */
const COMPLETE_MEMBER = '~complete'

// KEYS[1] set, ARGV[1] session id, ARGV[2] ttl ms. Drops expired members (cheap: only what expired
// since the last write), then adds or lengthens the entry; GT never shortens an existing one.
const REVOKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[2]), ARGV[1])
return 1`

// KEYS[1] set, ARGV[1] session id → -1 list untrusted, 1 revoked, 0 not revoked. Flagged read-only
// (Redis 7), so a write pause (CLIENT PAUSE WRITE, a failover) does not hold lookups back.
const CHECK = `#!lua flags=no-writes
local scores = redis.call('ZMSCORE', KEYS[1], '${COMPLETE_MEMBER}', ARGV[1])
if not scores[1] then return -1 end
if not scores[2] then return 0 end
local t = redis.call('TIME')
if tonumber(scores[2]) > tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000 then return 1 end
return 0`

// KEYS[1] nonce, KEYS[2] set, ARGV[1] nonce, ARGV[2] entries written. Marks the list complete only if
// this rebuild's nonce survived (a FLUSHDB or restart mid-way deletes it) and the set still holds at
// least what the rebuild wrote (an eviction mid-way took some of it): never half a list marked whole.
const COMPLETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], '+inf', '${COMPLETE_MEMBER}')
redis.call('DEL', KEYS[1])
return 1`

const REBUILD_BATCH = 1000

// The scripts below, as ioredis commands (registered with defineCommand) on clients and pipelines.
declare module 'ioredis' {
  interface RedisCommander<Context> {
    denylistRevoke(key: string, sessionId: string, ttlMs: number): Result<number, Context>
    denylistCheck(key: string, sessionId: string): Result<number, Context>
    denylistComplete(nonceKey: string, key: string, nonce: string, written: number): Result<number, Context>
  }
}

/** The Redis denylist. Run Redis with `maxmemory-policy noeviction`; see `evictionPolicy`. */
export function createRedisDenylist(redis: Redis, prefix: string): Denylist {
  const key = `${prefix}{denylist}:revoked`
  const nonceKey = `${prefix}{denylist}:rebuilding`
  // defineCommand sends EVALSHA and falls back to EVAL after a restart (NOSCRIPT), pipelines included.
  redis.defineCommand('denylistRevoke', { numberOfKeys: 1, lua: REVOKE })
  redis.defineCommand('denylistCheck', { numberOfKeys: 1, lua: CHECK })
  redis.defineCommand('denylistComplete', { numberOfKeys: 2, lua: COMPLETE })
  const ttl = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs))

  return {
    kind: 'redis',
    async revoke(sessionId, ttlMs) {
      await redis.denylistRevoke(key, sessionId, ttl(ttlMs))
    },
    async check(sessionId): Promise<DenylistAnswer> {
      try {
        const answer = await redis.denylistCheck(key, sessionId)
        if (answer === -1) return 'unknown'
        return answer === 1 ? 'revoked' : 'not_revoked'
      } catch {
        return 'unknown'
      }
    },
    async isComplete() {
      return (await redis.zscore(key, COMPLETE_MEMBER)) !== null
    },
    async rebuild(load: () => Promise<RevokedEntry[]>) {
      const nonce = randomUUID()
      await redis.set(nonceKey, nonce, 'PX', 60_000)
      const entries = await load()
      for (let start = 0; start < entries.length; start += REBUILD_BATCH) {
        const pipeline = redis.pipeline()
        for (const entry of entries.slice(start, start + REBUILD_BATCH)) pipeline.denylistRevoke(key, entry.sessionId, ttl(entry.ttlMs))
        const results = await pipeline.exec()
        const failed = results?.find(([error]) => error)
        if (failed) throw failed[0]
      }
      return (await redis.denylistComplete(nonceKey, key, nonce, entries.length)) === 1
    },
    async evictionPolicy() {
      const info = await redis.info('memory')
      return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? null
    },
    async ping() {
      await redis.ping()
    },
    async close() {
      redis.disconnect()
    },
  }
}
