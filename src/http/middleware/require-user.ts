import type { MiddlewareHandler } from 'hono'
import { AppError } from '../../errors.js'
import type { SessionService } from '../../services/sessions.js'
import type { AppEnv } from '../app-env.js'
import { bearerToken } from '../bearer-token.js'
import { presentedAccessToken } from '../cookies.js'

/**
 * Access token → `c.var.auth` and `c.var.session`, as `sessions.authenticate` decides (the ledger,
 * not the denylist: these routes read the session row anyway, and the ledger is the truth). The
 * token is the `Authorization: Bearer` one, or, only when no Authorization header is sent, the
 * access cookie (cross-origin protection for such requests runs app-wide, before this).
 */
export function createRequireUser(sessions: Pick<SessionService, 'authenticate'>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const presented = presentedAccessToken(c, bearerToken)
    if (!presented) throw new AppError('unauthorized')
    const caller = await sessions.authenticate(presented.token)
    if (!caller) throw new AppError('invalid_token')
    c.set('auth', caller.auth)
    c.set('session', caller.session)
    await next()
  }
}
