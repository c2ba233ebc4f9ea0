import { Redis } from 'ioredis'
import { describeError, type Logger } from '../logger.js'

/**
 * A Redis client that fails fast instead of queueing: with the offline queue off and a short command
 * timeout, a request never waits on a Redis that is down, and callers fall back to the ledger.
 */
export function openRedis(url: string, timeoutMs: number, logger: Logger): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    // Commands issued in the same tick (many concurrent introspections) go out in one write.
    enableAutoPipelining: true,
    // Keep trying to come back, but never more often than every 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  })
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
 * Waits (at most `timeoutMs`) for the first connection: with the offline queue off, commands sent
 * before it would fail. If Redis is down at start-up we go on; the ledger answers until it is back.
 */
export async function waitForRedis(client: Redis, timeoutMs: number): Promise<boolean> {
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
