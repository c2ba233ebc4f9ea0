import { Hono } from 'hono'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/app-env.js'
import type { ReadinessCheck } from '../services/readiness.js'

export function healthRoutes(readiness: ReadinessCheck) {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const { checks, failed, warnings } = await readiness()
      // Still ready with warnings (revocations stay correct), but said where an operator looks.
      if (failed.length === 0) return c.json(warnings.length > 0 ? { status: 'ready', checks, warnings } : { status: 'ready', checks })
      // Name what failed, but no host names or error text: this endpoint is often public.
      throw new AppError('unavailable', { message: `Not ready: ${failed.join(' and ')} not answering.`, details: { checks }, retryAfterSeconds: 5 })
    })
}
