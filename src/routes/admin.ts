import { Hono, type Context } from 'hono'
import { every } from 'hono/combine'
import { z } from 'zod'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/app-env.js'
import { decodeCursor, decodeUserCursor, encodeCursor, encodeUserCursor, presentAdminUser, presentAuditEntry, presentSession, presentUser } from '../http/present.js'
import { readReason } from '../http/reason.js'
import { uuidParam, validate } from '../http/validate.js'
import { fitsPostgresText } from '../text.js'
import { canonicalUuid } from '../uuid.js'
import type { ClientReader } from '../http/client.js'
import { limitFailedAuthPerIp } from '../http/middleware/rate-limit.js'
import { requireAdmin } from '../http/middleware/require-admin.js'
import type { OperatorCall } from '../services/audit.js'
import { MAX_AUDIT_PAGE } from '../services/audit.js'
import type { Services } from '../services/index.js'

const userIdParam = (id: string) => uuidParam(id, 'user_not_found')

export const MAX_USER_PAGE = 100

const pageLimit = (max: number) => z.coerce.number().int().min(1).max(max).default(50)
const cursorField = z.string().max(512).optional()
const usersQuery = z.object({
  email: z.string().max(254).refine(fitsPostgresText, 'Must not contain NUL characters.').default(''),
  cursor: cursorField,
  limit: pageLimit(MAX_USER_PAGE),
})
const auditQuery = z.object({
  cursor: cursorField,
  limit: pageLimit(MAX_AUDIT_PAGE),
  userId: z.string().refine((id) => canonicalUuid(id) !== null, 'Must be a UUID.').transform((id) => canonicalUuid(id)!).optional(),
})

/** A cursor we did not make is a client error, not an empty page. */
function decoded<T>(text: string | undefined, decode: (text: string) => T | null): T | null {
  if (text === undefined) return null
  const value = decode(text)
  if (value === null) throw new AppError('invalid_request', { details: [{ path: ['cursor'], message: 'Unknown cursor.' }] })
  return value
}

export function adminRoutes(
  { accounts, sessions, operatorActions, audit, limits }: Pick<Services, 'accounts' | 'sessions' | 'operatorActions' | 'audit' | 'limits'>,
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
  /** The API key (by fingerprint) acting from this request's address, with the body's optional reason. */
  const operatorCall = async (c: Context<AppEnv>): Promise<OperatorCall> => ({
    actor: { type: 'api_key', id: c.var.adminKey },
    reason: await readReason(c),
    ip: client.ip(c),
  })
  return new Hono<AppEnv>()
    .get('/admin/users', admin, async (c) => {
      const query = validate(usersQuery, c.req.query())
      const after = decoded(query.cursor, decodeUserCursor)
      const page = await accounts.searchByEmailPrefix(query.email, { after, limit: query.limit })
      return c.json({ users: page.users.map(presentAdminUser), nextCursor: encodeUserCursor(page.next), total: page.total })
    })
    .get('/admin/users/:userId/sessions', admin, async (c) => {
      const user = await existingUser(c.req.param('userId'))
      const active = await sessions.listActive(user.id)
      return c.json({ sessions: active.map((session) => presentSession(session, config, null)) })
    })
    .post('/admin/users/:userId/sessions/revoke-all', admin, async (c) => {
      const user = await existingUser(c.req.param('userId'))
      return c.json({ revoked: await operatorActions.revokeUser(user.id, await operatorCall(c)) })
    })
    .post('/admin/users/:userId/disable', admin, async (c) => {
      const user = await operatorActions.setDisabled(userIdParam(c.req.param('userId')), true, await operatorCall(c))
      return c.json({ user: presentUser(user) })
    })
    .post('/admin/users/:userId/enable', admin, async (c) => {
      const user = await operatorActions.setDisabled(userIdParam(c.req.param('userId')), false, await operatorCall(c))
      return c.json({ user: presentUser(user) })
    })
    .delete('/admin/users/:userId', admin, async (c) => {
      await operatorActions.deleteUser(userIdParam(c.req.param('userId')), await operatorCall(c))
      return c.body(null, 204)
    })
    .delete('/admin/sessions/:id', admin, async (c) => {
      await operatorActions.revokeSession(uuidParam(c.req.param('id'), 'session_not_found'), await operatorCall(c))
      return c.body(null, 204)
    })
    .post('/admin/sessions/revoke-all', admin, async (c) => {
      return c.json({ revoked: await operatorActions.revokeEverything(await operatorCall(c)) })
    })
    .get('/admin/audit', admin, async (c) => {
      const query = validate(auditQuery, c.req.query())
      const cursor = decoded(query.cursor, decodeCursor)
      const page = await audit.list({ limit: query.limit, cursor, userId: query.userId ?? null })
      return c.json({ entries: page.entries.map(presentAuditEntry), nextCursor: encodeCursor(page.next) })
    })
}
