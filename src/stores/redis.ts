import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type { RedisTopology } from '../config.js'
import { describeError, type Logger } from '../logger.js'

/** A client of any topology: standalone and Sentinel give a `Redis`, Cluster a `Cluster`. */
export type RedisClient = Redis | Cluster

// Keep trying to come back, but never more often than every 2 s.
const backOff = (attempt: number) => Math.min(attempt * 200, 2000)

/**
 * A Redis client that fails fast instead of queueing: with the offline queue off and a short command
 * timeout, a request never waits on a Redis that is down, and callers fall back to the ledger.
 * A string is a REDIS_URL. Under Sentinel the client asks the sentinels for the master and, with
 * `failoverDetector`, hears their +switch-master at once instead of when the old master stops
 * answering (a master cut off from the sentinels but not from us would otherwise keep our writes).
 */
/** Addresses the sentinels announce, mapped to where this host reaches them (NAT; tests' relays). */
export interface RedisNetwork {
  natMap?: Record<string, { host: string; port: number }>
}

export function openRedis(url: string, timeoutMs: number, logger: Logger): Redis
export function openRedis(topology: RedisTopology, timeoutMs: number, logger: Logger, network?: RedisNetwork): RedisClient
export function openRedis(topology: RedisTopology | string, timeoutMs: number, logger: Logger, network: RedisNetwork = {}): RedisClient {
  const where = typeof topology === 'string' ? ({ kind: 'standalone', url: topology } as const) : topology
  const options: RedisOptions = {
    enableOfflineQueue: false,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    // Commands issued in the same tick (many concurrent introspections) go out in one write.
    enableAutoPipelining: true,
    retryStrategy: backOff,
  }
  let client: RedisClient
  if (where.kind === 'standalone') {
    client = new Redis(where.url, options)
  } else if (where.kind === 'sentinel') {
    client = new Redis({
      ...options,
      sentinels: where.sentinels,
      name: where.name,
      role: 'master',
      failoverDetector: true,
      sentinelCommandTimeout: timeoutMs,
      sentinelRetryStrategy: backOff,
      natMap: network.natMap,
    })
    reviveAfterFailoverRace(client)
  } else {
    const { retryStrategy: _perNode, enableOfflineQueue: _offline, ...redisOptions } = options
    client = new Cluster(where.nodes, {
      // At the top level: inside redisOptions ioredis ignores it and queues while the cluster is down.
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: backOff,
      slotsRefreshTimeout: timeoutMs,
      // Few, short retries on MOVED/CLUSTERDOWN during a failover; callers have their own deadline.
      maxRedirections: 4,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      redisOptions,
      natMap: network.natMap,
    })
  }
  let lastLoggedAt = 0
  client.on('error', (error: Error) => {
    // ioredis emits an error per reconnect attempt; one line every 30 s is enough for an operator.
    if (Date.now() - lastLoggedAt > 30_000) {
      lastLoggedAt = Date.now()
      logger.warn({ err: describeError(error) }, 'redis unavailable')
    }
  })
  return client
}

/**
 * ioredis 6.0.0's failover detector can fire while the client is reconnecting (to a master that
 * just died); the client then goes to `end` and never connects again, so every later command fails
 * with "Connection is closed." (seen under load in test/resilience/redis-sentinel.test.ts). Such a
 * client is reconnected here, unless we closed it ourselves.
 */
function reviveAfterFailoverRace(client: Redis): void {
  let closedByUs = false
  const disconnect = client.disconnect.bind(client)
  client.disconnect = (reconnect = false) => {
    if (!reconnect) closedByUs = true
    disconnect(reconnect)
  }
  const quit = client.quit.bind(client)
  client.quit = ((...args: Parameters<Redis['quit']>) => {
    closedByUs = true
    return quit(...args)
  }) as Redis['quit']
  client.on('end', () => {
    if (closedByUs) return
    setTimeout(() => {
      if (!closedByUs && client.status === 'end') client.connect().catch(() => {})
    }, backOff(1))
  })
}

/**
 * Waits (at most `timeoutMs`) for the first connection: with the offline queue off, commands sent
 * before it would fail. If Redis is down at start-up we go on; the ledger answers until it is back.
 */
export async function waitForRedis(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return true
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer)
      client.off('ready', onReady)
      resolve(ready)
    }
    const onReady = () => done(true)
    const timer = setTimeout(() => done(false), timeoutMs)
    client.once('ready', onReady)
  })
}
