import { createHash } from 'node:crypto'
import { Hono, type MiddlewareHandler } from 'hono'
import { every } from 'hono/combine'
import { z } from 'zod'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import { bearerToken, secretsEqual, type AppEnv } from '../http/middleware.js'
import { presentSession, presentUser } from '../http/present.js'
import { uuidParam, validate } from '../http/validate.js'
import { fitsPostgresText } from '../text.js'
import type { ClientReader } from '../http/client.js'
import { limitFailedAuthPerIp } from '../http/rate-limit.js'
import type { Services } from '../services/index.js'

/** Names a key in the logs without revealing it: the first 8 hex digits of its SHA-256. */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8)
}

/** `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time against every configured key. */
export function requireAdmin(keys: string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const presented = bearerToken(c)
    if (!presented) throw new AppError('unauthorized')
    let matched: string | null = null
    for (const key of keys) if (secretsEqual(presented, key)) matched = key
    if (!matched) throw new AppError('invalid_token')
    c.set('adminKey', keyFingerprint(matched))
    await next()
    c.var.log.info({ adminKey: c.var.adminKey, method: c.req.method, path: c.req.path, status: c.res.status }, 'admin action')
  }
}

const userIdParam = (id: string) => uuidParam(id, 'user_not_found')

export function adminRoutes(services: Services, config: Config, client: ClientReader) {
  const { operatorActions } = services
  const limitBadKeys = limitFailedAuthPerIp(services.limits.clientPerIp, client)
  const checkKey = requireAdmin(config.adminApiKeys)
  const admin = every(limitBadKeys, checkKey)
  const existingUser = async (id: string) => {
    const user = await services.accounts.findById(userIdParam(id))
    if (!user) throw new AppError('user_not_found')
    return user
  }
  return new Hono<AppEnv>()
    .get('/admin/users', admin, async (c) => {
      const { email } = validate(z.object({ email: z.string().max(254).refine(fitsPostgresText, 'Must not contain NUL characters.').default('') }), c.req.query())
      const users = await services.accounts.search(email, 100)
      return c.json({ users: users.map(presentUser) })
    })
    .get('/admin/users/:userId/sessions', admin, async (c) => {
      const user = await existingUser(c.req.param('userId'))
      const sessions = await services.sessions.listActive(user.id)
      return c.json({ sessions: sessions.map((session) => presentSession(session, config, null)) })
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
