import { AppError } from '../errors.js'

/** A job refused because every slot is busy and the queue is full: 503 + Retry-After: 1. */
export class PoolFullError extends AppError {
  constructor() {
    super('unavailable', { retryAfterSeconds: 1 })
  }
}

export interface LaneLimits {
  /** At most this many of the lane's jobs run at once (never more than the pool has). */
  concurrency: number
  /** At most this many of the lane's jobs wait, in a queue of their own. */
  queueLimit: number
}

/**
 * Runs at most `concurrency` jobs at once; up to `queueLimit` more wait in line. Beyond that the job
 * is refused at once with 503 + Retry-After, so a flood cannot exhaust memory (argon2id uses ~19 MiB each).
 *
 * `secondary` is a lower-priority lane (sign-up hashes): its jobs use at most `secondary.concurrency`
 * of the slots, wait in their own queue, and a freed slot goes to a waiting primary job first, so a
 * flood in the secondary lane never fills the primary queue nor takes every slot.
 */
export function createConcurrencyLimiter(concurrency: number, queueLimit: number, secondary?: LaneLimits) {
  let running = 0
  let secondaryRunning = 0
  const waiting: Array<() => void> = []
  const secondaryWaiting: Array<() => void> = []
  const secondaryCap = secondary ? Math.max(1, Math.min(secondary.concurrency, concurrency)) : 0

  function dispatch() {
    while (running < concurrency) {
      const next = waiting.shift()
      if (next) {
        running += 1
        next()
      } else if (secondaryWaiting.length > 0 && secondaryRunning < secondaryCap) {
        running += 1
        secondaryRunning += 1
        secondaryWaiting.shift()!()
      } else {
        return
      }
    }
  }

  async function runIn<T>(lane: 'primary' | 'secondary', job: () => Promise<T>): Promise<T> {
    if (lane === 'primary') {
      if (running >= concurrency) {
        if (waiting.length >= queueLimit) throw new PoolFullError()
        await new Promise<void>((resolve) => waiting.push(resolve))
      } else {
        running += 1
      }
    } else if (running < concurrency && secondaryRunning < secondaryCap && waiting.length === 0) {
      running += 1
      secondaryRunning += 1
    } else {
      if (secondaryWaiting.length >= secondary!.queueLimit) throw new PoolFullError()
      await new Promise<void>((resolve) => secondaryWaiting.push(resolve))
    }
    try {
      return await job()
    } finally {
      running -= 1
      if (lane === 'secondary') secondaryRunning -= 1
      dispatch()
    }
  }

  return {
    run<T>(job: () => Promise<T>): Promise<T> {
      return runIn('primary', job)
    },
    /** Runs `job` in the secondary lane (the primary lane when there is none). */
    runSecondary<T>(job: () => Promise<T>): Promise<T> {
      return runIn(secondary ? 'secondary' : 'primary', job)
    },
  }
}
