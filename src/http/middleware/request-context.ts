import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { Logger } from '../../logger.js'
import { runWithRequestLogger } from '../../request-context.js'
import type { AppEnv } from '../app-env.js'

/** A request id per request (a sane incoming X-Request-Id is kept), and a child logger carrying it. */
export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id')
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID()
    c.set('requestId', requestId)
    const log = logger.child({ reqId: requestId })
    c.set('log', log)
    c.header('X-Request-Id', requestId)
    const started = performance.now()
    // Services reach this logger through request-context.ts: their lines carry the request id too.
    await runWithRequestLogger(log, next)
    // Path only: never the query string, headers or body, which may carry secrets.
    c.var.log.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    )
  }
}
