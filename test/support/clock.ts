import type { Clock } from '../../src/clock.js'

export interface FakeClock extends Clock {
  advance(ms: number): void
  set(date: Date): void
}

/** A clock that only moves when told to. Starts at the real current time so JWT iat/exp look normal. */
export function createFakeClock(start: Date = new Date()): FakeClock {
  let current = start.getTime()
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms
    },
    set: (date) => {
      current = date.getTime()
    },
  }
}
