import { Hono, type MiddlewareHandler } from 'hono'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/middleware.js'
import { presentSession, presentUser } from '../http/present.js'
import type { Services } from '../services/index.js'
import { findUserById } from '../stores/users.js'

export function meRoutes(services: Services, config: Config, requireUser: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>()
    // Per route, not `use('/me/*')`: an unknown /me path is 404 and a wrong method 405, not 401.
    .get('/me', requireUser, async (c) => {
      const user = await findUserById(services.db, c.var.auth.userId)
      if (!user) throw new AppError('invalid_token')
      return c.json({ user: presentUser(user), session: presentSession(c.var.session, config, c.var.auth.sessionId) })
    })
}
