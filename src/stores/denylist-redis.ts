import { randomUUID } from 'node:crypto'
import { Cluster, type Result } from 'ioredis'
import type { RedisClient } from './redis.js'
import { createRedisDeadline } from './redis-deadline.js'
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

// KEYS[1] set, ARGV = ttl ms, session id, ttl ms, session id…: the rebuild's batch in one call (one
// TIME, one command), which is what keeps a rebuild of 10⁵ entries well inside a second of Redis time.
const REVOKE_MANY = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
for i = 1, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[i]), ARGV[i + 1])
end
return #ARGV / 2`

// KEYS[1] set, ARGV[1] session id → -1 list untrusted, 1 revoked, 0 not revoked. Flagged read-only
// (Redis 7), so a write pause (CLIENT PAUSE WRITE, a failover) does not hold lookups back.
const CHECK = `#!lua flags=no-writes
local scores = redis.call('ZMSCORE', KEYS[1], '${COMPLETE_MEMBER}', ARGV[1])
if not scores[1] then return -1 end
if not scores[2] then return 0 end
local t = redis.call('TIME')
if tonumber(scores[2]) > tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000 then return 1 end
return 0`

// The marker's companion: `~replid:<id>` names the replication history (the master's master_replid)
// the rebuild was written to. A promoted replica starts a new history, so a list that replicated
// without the acknowledgement of every write says so by its id (see `trustsHistory`).
const REPLID_PREFIX = '~replid:'

// KEYS[1] nonce, KEYS[2] set, ARGV[1] nonce, ARGV[2] entries written, ARGV[3] replication id. Marks the
// list complete only if this rebuild's nonce survived (a FLUSHDB or restart mid-way deletes it) and the
// set still holds at least what the rebuild wrote (an eviction mid-way took some of it): never half a
// list marked whole.
const COMPLETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[2]) then return 0 end
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], '+inf', '+inf', 'BYSCORE')) do
  if string.sub(member, 1, ${REPLID_PREFIX.length}) == '${REPLID_PREFIX}' then redis.call('ZREM', KEYS[2], member) end
end
redis.call('ZADD', KEYS[2], '+inf', '${REPLID_PREFIX}' .. ARGV[3])
redis.call('ZADD', KEYS[2], '+inf', '${COMPLETE_MEMBER}')
redis.call('DEL', KEYS[1])
return 1`

// KEYS[1] set, ARGV[1] the current master_replid → 1 trusted, 0 not complete (or just distrusted).
// A marker stamped with another history is removed, so every instance asks the ledger until a rebuild.
const TRUST = `
if not redis.call('ZSCORE', KEYS[1], '${COMPLETE_MEMBER}') then return 0 end
if redis.call('ZSCORE', KEYS[1], '${REPLID_PREFIX}' .. ARGV[1]) then return 1 end
redis.call('ZREM', KEYS[1], '${COMPLETE_MEMBER}')
return 0`

/** A denylist write that fewer replicas acknowledged than required: in a failover it could vanish. */
export class ReplicaAckError extends Error {
  readonly code = 'REPLICA_ACK_MISSING'
  constructor(acknowledged: number, required: number) {
    super(`${acknowledged} of ${required} required Redis replicas acknowledged the denylist write`)
  }
}

const REBUILD_BATCH = 1000

// The scripts below, as ioredis commands (registered with defineCommand) on clients and pipelines.
declare module 'ioredis' {
  interface RedisCommander<Context> {
    denylistRevoke(key: string, sessionId: string, ttlMs: number): Result<number, Context>
    denylistRevokeMany(key: string, ...ttlAndIds: (string | number)[]): Result<number, Context>
    denylistCheck(key: string, sessionId: string): Result<number, Context>
    denylistComplete(nonceKey: string, key: string, nonce: string, written: number, replid: string): Result<number, Context>
    denylistTrust(key: string, replid: string): Result<number, Context>
  }
}

export interface RedisDenylistOptions {
  /**
   * A connection of its own for writes, required when `waitReplicas` > 0: WAIT blocks the connection
   * it is sent on until replicas answer, and must follow the write on that same connection, so it
   * never goes on the hot path's (lookups would queue behind it).
   */
  writer?: RedisClient
  /** Replicas that must acknowledge each write (WAIT) before `revoke` resolves; 0 waits for none. */
  waitReplicas?: number
  /** How long WAIT waits for them; keep it under the writer's command timeout. */
  waitTimeoutMs?: number
  /** The app-level deadline on lookups (the hot path); past it a lookup is `unknown`. */
  checkTimeoutMs?: number
}

/** The Redis denylist. Run Redis with `maxmemory-policy noeviction`; see `evictionPolicy`. */
export function createRedisDenylist(redis: RedisClient, prefix: string, options: RedisDenylistOptions = {}): Denylist {
  const key = `${prefix}{denylist}:revoked`
  const nonceKey = `${prefix}{denylist}:rebuilding`
  const { waitReplicas = 0, waitTimeoutMs = 100, checkTimeoutMs = 500 } = options
  if (waitReplicas > 0 && (!options.writer || options.writer === redis)) throw new Error('waitReplicas needs a writer connection of its own')
  const writer = options.writer ?? redis
  for (const client of new Set([redis, writer])) {
    // defineCommand sends EVALSHA and falls back to EVAL after a restart (NOSCRIPT), pipelines included.
    client.defineCommand('denylistRevoke', { numberOfKeys: 1, lua: REVOKE })
    client.defineCommand('denylistRevokeMany', { numberOfKeys: 1, lua: REVOKE_MANY })
    client.defineCommand('denylistCheck', { numberOfKeys: 1, lua: CHECK })
    client.defineCommand('denylistComplete', { numberOfKeys: 2, lua: COMPLETE })
    client.defineCommand('denylistTrust', { numberOfKeys: 1, lua: TRUST })
  }
  const ttl = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs))
  const withDeadline = createRedisDeadline(redis, checkTimeoutMs)

  /** Runs a pipeline built on `client` and returns its replies, throwing the first error. */
  async function replies(client: RedisClient, build: (pipeline: ReturnType<RedisClient['pipeline']>) => unknown): Promise<unknown[]> {
    const pipeline = client.pipeline()
    build(pipeline)
    const results = (await pipeline.exec()) ?? []
    const failed = results.find(([error]) => error)
    if (failed) {
      // ioredis follows a redirect for a pipeline only when every command in it failed alike, so a
      // pipeline holding WAIT (which any node answers) is never redirected, and a client that sends
      // nothing but such pipelines would keep a stale slot map after a failover, forever: refresh it.
      if (client instanceof Cluster && /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN)\b/.test((failed[0] as Error).message)) client.refreshSlotsCache()
      throw failed[0]
    }
    return results.map(([, reply]) => reply)
  }

  /**
   * `INFO <section>` of the node that holds the list: a pipeline with one command on the key is sent
   * to that key's master on Cluster (a bare INFO would go to any node); elsewhere it is the master.
   */
  async function infoOfListNode(client: RedisClient, section: string): Promise<string> {
    const [, info] = await replies(client, (p) => p.exists(key).info(section))
    return String(info)
  }

  /** The replication history the list's master is on (its `master_replid`). */
  async function currentHistory(client: RedisClient): Promise<string> {
    const replid = /^master_replid:(\w+)/m.exec(await infoOfListNode(client, 'replication'))?.[1]
    if (!replid) throw new Error('redis INFO replication has no master_replid')
    return replid
  }

  /** True when the list is complete and was written to this master's history; else distrusts it. */
  async function trustsHistory(): Promise<boolean> {
    return (await redis.denylistTrust(key, await currentHistory(redis))) === 1
  }

  // A (re)connection may land on another master (a Sentinel failover, a Cluster promotion): check the
  // history at once rather than at the next reconcile tick.
  redis.on('ready', () => void trustsHistory().catch(() => {}))

  return {
    kind: 'redis',
    async revoke(sessionId, ttlMs) {
      if (waitReplicas === 0) {
        await redis.denylistRevoke(key, sessionId, ttl(ttlMs))
        return
      }
      // WAIT counts the replicas that hold every write sent before it on this connection.
      const [, acknowledged] = await replies(writer, (p) => p.denylistRevoke(key, sessionId, ttl(ttlMs)).wait(waitReplicas, waitTimeoutMs))
      if (Number(acknowledged) < waitReplicas) throw new ReplicaAckError(Number(acknowledged), waitReplicas)
    },
    async check(sessionId): Promise<DenylistAnswer> {
      try {
        const answer = await withDeadline(redis.denylistCheck(key, sessionId))
        if (answer === -1) return 'unknown'
        return answer === 1 ? 'revoked' : 'not_revoked'
      } catch {
        return 'unknown'
      }
    },
    isComplete: trustsHistory,
    async rebuild(load: () => Promise<RevokedEntry[]>) {
      const nonce = randomUUID()
      const history = await currentHistory(writer)
      await writer.set(nonceKey, nonce, 'PX', 60_000)
      const entries = await load()
      for (let start = 0; start < entries.length; start += REBUILD_BATCH) {
        const args = entries.slice(start, start + REBUILD_BATCH).flatMap((entry) => [ttl(entry.ttlMs), entry.sessionId])
        await writer.denylistRevokeMany(key, ...args)
      }
      // Entries and marker replicate in order: a replica holding the marker holds every entry before it.
      return (await writer.denylistComplete(nonceKey, key, nonce, entries.length, history)) === 1
    },
    async evictionPolicy() {
      const info = await infoOfListNode(redis, 'memory')
      return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? null
    },
    async ping() {
      await redis.ping()
    },
    async close() {
      redis.disconnect()
      if (writer !== redis) writer.disconnect()
    },
  }
}
