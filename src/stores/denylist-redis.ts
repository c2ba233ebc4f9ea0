import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Denylist, DenylistAnswer, RevokedEntry } from './denylist.js'

// Marks the list complete only if this rebuild's nonce survived: a FLUSHDB or restart in the middle
// of a rebuild deletes the nonce, so a half-filled list is never marked complete.
const COMPLETE_IF_NONCE_SURVIVED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return 1`

const REBUILD_BATCH = 1000

/**
 * Redis denylist: `{denylist}:revoked:<sid>` keys with a TTL, plus a completeness marker. A flushed or restarted
 * Redis loses the marker too, so `check` (one MGET of marker + key) notices and answers `unknown`.
 * Run Redis with `maxmemory-policy noeviction`: an evicted key would be a lost revocation.
 */
export function createRedisDenylist(redis: Redis, prefix: string): Denylist {
  // One hash tag for every denylist key: on Redis Cluster they share a slot, so the MGET of marker + key
  // and the completion script stay single-slot operations.
  const markerKey = `${prefix}{denylist}:complete`
  const nonceKey = `${prefix}{denylist}:rebuilding`
  const revokedKey = (sessionId: string) => `${prefix}{denylist}:revoked:${sessionId}`

  return {
    kind: 'redis',
    async revoke(sessionId, ttlMs) {
      await redis.set(revokedKey(sessionId), '1', 'PX', Math.max(1, Math.ceil(ttlMs)))
    },
    async check(sessionId): Promise<DenylistAnswer> {
      try {
        const [marker, revoked] = await redis.mget(markerKey, revokedKey(sessionId))
        if (marker === null) return 'unknown'
        return revoked === null ? 'not_revoked' : 'revoked'
      } catch {
        return 'unknown'
      }
    },
    async isComplete() {
      return (await redis.exists(markerKey)) === 1
    },
    async rebuild(load: () => Promise<RevokedEntry[]>) {
      const nonce = randomUUID()
      await redis.set(nonceKey, nonce, 'PX', 60_000)
      const entries = await load()
      for (let start = 0; start < entries.length; start += REBUILD_BATCH) {
        const pipeline = redis.pipeline()
        for (const entry of entries.slice(start, start + REBUILD_BATCH)) {
          pipeline.set(revokedKey(entry.sessionId), '1', 'PX', Math.max(1, Math.ceil(entry.ttlMs)))
        }
        const results = await pipeline.exec()
        const failed = results?.find(([error]) => error)
        if (failed) throw failed[0]
      }
      return (await redis.eval(COMPLETE_IF_NONCE_SURVIVED, 2, nonceKey, markerKey, nonce)) === 1
    },
    async ping() {
      await redis.ping()
    },
    async close() {
      redis.disconnect()
    },
  }
}
