import type { MiddlewareHandler } from 'hono'
import type { Clock } from '../clock.js'
import { AppError } from '../errors.js'
import type { SessionService } from '../services/sessions.js'
import type { TokenService } from '../services/tokens.js'
import { touchSession } from '../stores/sessions.js'
import type { Db } from '../stores/db.js'
import { bearerToken, type AppEnv } from './middleware.js'

/** /me* calls count as activity, but a ledger write per request is not needed: once a minute is plenty. */
const ACTIVITY_RESOLUTION_MS = 60_000

/**
 * Bearer access token → `c.var.auth` and `c.var.session`. The ledger (not the denylist) decides here:
 * these routes read the session row anyway, and the ledger is the truth.
 */
export function createRequireUser(deps: { tokens: TokenService; sessions: SessionService; clock: Clock; db: Db }) {
  const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => {
    const token = bearerToken(c)
    if (!token) throw new AppError('unauthorized')
    const now = deps.clock.now()
    const claims = await deps.tokens.verifyAccessToken(token, now)
    if (!claims) throw new AppError('invalid_token')
    const session = await deps.sessions.activeSession(claims.sid)
    if (!session || session.userId !== claims.sub) throw new AppError('invalid_token')
    if (now.getTime() - session.lastActiveAt.getTime() >= ACTIVITY_RESOLUTION_MS) {
      await touchSession(deps.db, session.id, now)
      session.lastActiveAt = now
    }
    c.set('auth', { userId: claims.sub, sessionId: claims.sid, claims })
    c.set('session', session)
    await next()
  }
  return requireUser
}
