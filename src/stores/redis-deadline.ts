import type { RedisClient } from './redis.js'

/** A hot-path Redis call that did not answer within its deadline. */
export class RedisDeadlineError extends Error {
  readonly code = 'REDIS_DEADLINE_EXCEEDED'
  constructor(timeoutMs: number) {
    super(`redis did not answer within ${timeoutMs} ms`)
  }
}

/**
 * An app-level deadline on hot-path calls, on top of ioredis's `commandTimeout`: during a Cluster
 * failover ioredis's own MOVED/CLUSTERDOWN retries held calls for seconds past it. After
 * `reconnectAfter` deadlines in a row the connection is dropped and reopened, so a socket that went
 * silent (a partition, a master that froze) is replaced instead of timing out every call.
 */
export function createRedisDeadline(client: RedisClient, timeoutMs: number, reconnectAfter = 3) {
  let missedInARow = 0
  return function withDeadline<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        missedInARow += 1
        if (missedInARow >= reconnectAfter) {
          missedInARow = 0
          client.disconnect(true)
        }
        reject(new RedisDeadlineError(timeoutMs))
      }, timeoutMs)
      work.then(
        (value) => {
          clearTimeout(timer)
          missedInARow = 0
          resolve(value)
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(error)
        },
      )
    })
  }
}
