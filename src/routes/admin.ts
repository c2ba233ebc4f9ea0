import { Hono } from 'hono'
import { every } from 'hono/combine'
import { z } from 'zod'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/app-env.js'
import { presentSession, presentUser } from '../http/present.js'
import { uuidParam, validate } from '../http/validate.js'
import { fitsPostgresText } from '../text.js'
import type { ClientReader } from '../http/client.js'
import { limitFailedAuthPerIp } from '../http/middleware/rate-limit.js'
import { requireAdmin } from '../http/middleware/require-admin.js'
import type { Services } from '../services/index.js'

const userIdParam = (id: string) => uuidParam(id, 'user_not_found')

export function adminRoutes(
  { accounts, sessions, operatorActions, limits }: Pick<Services, 'accounts' | 'sessions' | 'operatorActions' | 'limits'>,
  config: Config,
  client: ClientReader,
) {
  const limitBadKeys = limitFailedAuthPerIp(limits.clientPerIp, client)
  const checkKey = requireAdmin(config.adminApiKeys)
  const admin = every(limitBadKeys, checkKey)
  const existingUser = async (id: string) => {
    const user = await accounts.findById(userIdParam(id))
    if (!user) throw new AppError('user_not_found')
    return user
  }
  return new Hono<AppEnv>()
    .get('/admin/users', admin, async (c) => {
      const { email } = validate(z.object({ email: z.string().max(254).refine(fitsPostgresText, 'Must not contain NUL characters.').default('') }), c.req.query())
      const users = await accounts.search(email, 100)
      return c.json({ users: users.map(presentUser) })
    })
    .get('/admin/users/:userId/sessions', admin, async (c) => {
      const user = await existingUser(c.req.param('userId'))
      const active = await sessions.listActive(user.id)
      return c.json({ sessions: active.map((session) => presentSession(session, config, null)) })
    })
    .post('/admin/users/:userId/sessions/revoke-all', admin, async (c) => {
      const user = await existingUser(c.req.param('userId'))
      return c.json({ revoked: await operatorActions.revokeUser(user.id, c.var.adminKey) })
    })
    .post('/admin/users/:userId/disable', admin, async (c) => {
      const user = await operatorActions.setDisabled(userIdParam(c.req.param('userId')), true, c.var.adminKey)
      return c.json({ user: presentUser(user) })
    })
    .post('/admin/users/:userId/enable', admin, async (c) => {
      const user = await operatorActions.setDisabled(userIdParam(c.req.param('userId')), false, c.var.adminKey)
      return c.json({ user: presentUser(user) })
    })
    .delete('/admin/users/:userId', admin, async (c) => {
      await operatorActions.deleteUser(userIdParam(c.req.param('userId')))
      return c.body(null, 204)
    })
    .delete('/admin/sessions/:id', admin, async (c) => {
      await operatorActions.revokeSession(uuidParam(c.req.param('id'), 'session_not_found'), c.var.adminKey)
      return c.body(null, 204)
    })
    .post('/admin/sessions/revoke-all', admin, async (c) => {
      return c.json({ revoked: await operatorActions.revokeEverything() })
    })
}
