/** The only module that reads the wall clock; tests inject a fake one. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }
