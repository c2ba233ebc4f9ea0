import { join } from 'node:path'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import { openPglite, openPostgres, type Database } from './db.js'
import type { Denylist } from './denylist.js'
import { createMemoryDenylist } from './denylist-memory.js'
import { createRedisDenylist } from './denylist-redis.js'
import { openRedis, waitForRedis, type RedisClient, type RedisNetwork } from './redis.js'

/** DATABASE_URL → Postgres (migrations over MIGRATION_DATABASE_URL when set); unset → embedded PGlite under DATA_DIR (the laptop default). */
export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) {
    return openPostgres({
      url: config.databaseUrl,
      timeoutMs: config.dependencyTimeoutMs,
      prepare: config.databasePrepare,
      migrationUrl: config.migrationDatabaseUrl,
    })
  }
  return openPglite(join(config.dataDir, 'pglite'))
}

/**
 * REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES → Redis; none → an in-process denylist (one
 * instance only). With REDIS_WAIT_REPLICAS > 0 the denylist writes on a second connection of its own
 * (WAIT blocks the connection it runs on).
 */
export async function openDenylist(
  config: Config,
  logger: Logger,
  clock: Clock,
  network?: RedisNetwork,
): Promise<{ denylist: Denylist; redis: RedisClient | null }> {
  if (!config.redis) return { denylist: createMemoryDenylist(clock), redis: null }
  const redis = openRedis(config.redis, config.redisTimeoutMs, logger, network)
  const writer = config.redisWaitReplicas > 0 ? openRedis(config.redis, config.redisTimeoutMs, logger, network) : undefined
  const ready = await Promise.all([redis, writer].map((client) => (client ? waitForRedis(client, config.dependencyTimeoutMs) : true)))
  if (ready.includes(false)) logger.warn('redis not answering at start-up; using the ledger until it is')
  const denylist = createRedisDenylist(redis, config.redisKeyPrefix, {
    writer,
    waitReplicas: config.redisWaitReplicas,
    // WAIT must give up before the writer's command timeout does, to report how many replicas answered.
    waitTimeoutMs: Math.max(10, Math.floor(config.redisTimeoutMs / 2)),
    checkTimeoutMs: config.redisTimeoutMs,
  })
  const warning = await evictionWarning(denylist).catch(() => null)
  if (warning) logger.error({ maxmemoryPolicy: warning.policy }, warning.message)
  return { denylist, redis }
}

/**
 * A sentence for operators when the denylist's store may evict it (anything but `noeviction`), for the
 * start-up log and /readyz. Revocations stay correct after an eviction (the list is one key, so it goes
 * whole and the ledger answers), but every lookup then costs a ledger query until the rebuild.
 */
export async function evictionWarning(denylist: Denylist): Promise<{ policy: string; message: string } | null> {
  const policy = await denylist.evictionPolicy()
  if (policy === null || policy === 'noeviction') return null
  return {
    policy,
    message: `Redis maxmemory-policy is ${policy}: set it to noeviction, or an eviction sends every introspection to Postgres until the denylist is rebuilt.`,
  }
}
