import { Hono, type MiddlewareHandler } from 'hono'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/app-env.js'
import { bearerToken } from '../http/bearer-token.js'
import { secretsEqual } from '../http/secrets.js'
import type { Metrics } from '../metrics.js'

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
