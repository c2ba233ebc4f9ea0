import { Hono, type MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { AppError } from '../errors.js'
import { bearerToken, secretsEqual, type AppEnv } from '../http/middleware.js'
import type { Metrics } from '../metrics.js'

/** Counts every request by route pattern (bounded labels). Outcomes (logins, refreshes…) are counted by their services. */
export function recordRequests(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const stop = metrics.httpDuration.startTimer()
    await next()
    // The matched pattern (e.g. /me/sessions/:id); unknown paths only match the app-wide '*' middleware.
    const last = routePath(c, -1)
    const route = last === '*' || last === '/*' ? 'unmatched' : last
    stop({ route, method: c.req.method })
    metrics.httpRequests.inc({ route, method: c.req.method, status: String(c.res.status) })
  }
}

/** GET /metrics: Prometheus text; behind `Authorization: Bearer <METRICS_TOKEN>` when one is set. */
export function metricsRoutes(metrics: Metrics, token: string | null, limitBadTokens: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>().get('/metrics', limitBadTokens, async (c) => {
    if (token) {
      const presented = bearerToken(c)
      if (!presented) throw new AppError('unauthorized')
      if (!secretsEqual(presented, token)) throw new AppError('invalid_token')
    }
    c.header('Content-Type', metrics.registry.contentType)
    return c.body(await metrics.registry.metrics())
  })
}
