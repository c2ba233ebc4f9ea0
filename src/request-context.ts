import { AsyncLocalStorage } from 'node:async_hooks'
import type { Logger } from './logger.js'

/**
 * The logger of the request being served, so services log with its request id without taking an HTTP
 * context. `http/middleware/request-context.ts` opens the scope; outside a request (timers, CLIs) the base logger is used.
 */
const current = new AsyncLocalStorage<Logger>()

export function runWithRequestLogger<T>(log: Logger, work: () => T): T {
  return current.run(log, work)
}

/** The request's child logger when called while serving one, else `base`. */
export function requestLogger(base: Logger): Logger {
  return current.getStore() ?? base
}
