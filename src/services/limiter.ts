import { AppError } from '../errors.js'

/** A job refused because every slot is busy and the queue is full: 503 + Retry-After: 1. */
export class PoolFullError extends AppError {
  constructor() {
    super('unavailable', { retryAfterSeconds: 1 })
  }
}

/**
 * Runs at most `concurrency` jobs at once; up to `queueLimit` more wait in line. Beyond that the job
 * is refused at once with 503 + Retry-After, so a flood cannot exhaust memory (argon2id uses ~19 MiB each).
 */
export function createConcurrencyLimiter(concurrency: number, queueLimit: number) {
  let running = 0
  const waiting: Array<() => void> = []

  function release() {
    running -= 1
    const next = waiting.shift()
    if (next) {
      running += 1
      next()
    }
  }

  return {
    async run<T>(job: () => Promise<T>): Promise<T> {
      if (running >= concurrency) {
        if (waiting.length >= queueLimit) throw new PoolFullError()
        await new Promise<void>((resolve) => waiting.push(resolve))
      } else {
        running += 1
      }
      try {
        return await job()
      } finally {
        release()
      }
    },
    get pending() {
      return { running, waiting: waiting.length }
    },
  }
}
