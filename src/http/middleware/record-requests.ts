import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { Metrics } from '../../metrics.js'
import type { AppEnv } from '../app-env.js'

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
