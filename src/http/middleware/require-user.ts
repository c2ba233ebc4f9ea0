import type { MiddlewareHandler } from 'hono'
import type { Clock } from '../../clock.js'
import { AppError } from '../../errors.js'
import type { SessionService } from '../../services/sessions.js'
import type { TokenService } from '../../services/tokens.js'
import type { AppEnv } from '../app-env.js'
import { bearerToken } from '../bearer-token.js'

/**
 * Bearer access token → `c.var.auth` and `c.var.session`. The ledger (not the denylist) decides here:
 * these routes read the session row anyway, and the ledger is the truth.
 */
export function createRequireUser(deps: { tokens: TokenService; sessions: SessionService; clock: Clock }) {
  const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => {
    const token = bearerToken(c)
    if (!token) throw new AppError('unauthorized')
    const now = deps.clock.now()
    const claims = await deps.tokens.verifyAccessToken(token, now)
    if (!claims) throw new AppError('invalid_token')
    const session = await deps.sessions.activeSession(claims.sid)
    if (!session || session.userId !== claims.sub) throw new AppError('invalid_token')
    c.set('auth', { userId: claims.sub, sessionId: claims.sid, claims })
    c.set('session', await deps.sessions.recordActivity(session))
    await next()
  }
  return requireUser
}
