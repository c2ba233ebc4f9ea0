import type { MiddlewareHandler } from 'hono'
import { authenticate, type Auth, type GuardOptions } from './middleware.js'
import type { Verifier } from './verifier.js'

export type { Auth } from './middleware.js'

/** Hono middleware: the caller lands in `c.get('auth')`; anything else is refused (401/400/503). */
export function requireSession(verifier: Verifier, options?: GuardOptions): MiddlewareHandler<{ Variables: { auth: Auth } }> {
  return async (c, next) => {
    const outcome = await authenticate(verifier, c.req.header('authorization'), options)
    if ('refusal' in outcome) {
      const { status, headers, body } = outcome.refusal
      return c.json(body, status, headers)
    }
    c.set('auth', outcome.auth)
    await next()
  }
}
