import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import type { ClientReader } from '../http/client.js'
import type { AppEnv } from '../http/app-env.js'
import { limitPasswordRetries } from '../http/middleware/password-attempts.js'
import { wantsCookieTransport } from '../http/cookies.js'
import { decodeCursor, encodeCursor, presentEndedSession, presentEvent, presentSession, presentUser } from '../http/present.js'
import { answerTokenPair } from '../http/token-transport.js'
import { jsonBody, uuidParam, validate } from '../http/validate.js'
import type { Services } from '../services/index.js'
import { MAX_EVENT_PAGE } from '../services/my-account.js'

const passwordField = z.string().min(1).max(1024)
const sessionsQuery = z.object({ state: z.enum(['active', 'ended']).default('active') })
const eventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_EVENT_PAGE).default(20),
  cursor: z.string().max(200).optional(),
})

/**
 * The signed-in user's own account and sessions. `requireUser` is attached per route, not with
 * `use('/me/*')`, so an unknown /me path is 404 and a wrong method 405, not 401.
 */
export function meRoutes(
  { accounts, sessions, myAccount, limits }: Pick<Services, 'accounts' | 'sessions' | 'myAccount' | 'limits'>,
  config: Config,
  requireUser: MiddlewareHandler<AppEnv>,
  client: ClientReader,
) {
  // Wrong passwords re-typed by a signed-in user (see http/middleware/password-attempts.ts).
  const limitWrongPassword = limitPasswordRetries(limits, client)
  return new Hono<AppEnv>()
    .get('/me', requireUser, async (c) => {
      const user = await accounts.findById(c.var.auth.userId)
      if (!user) throw new AppError('invalid_token')
      return c.json({ user: presentUser(user), session: presentSession(c.var.session, config, c.var.auth.sessionId) })
    })
    .get('/me/sessions', requireUser, async (c) => {
      const { state } = validate(sessionsQuery, c.req.query())
      if (state === 'ended') {
        const ended = await myAccount.listEnded(c.var.auth.userId)
        return c.json({ sessions: ended.map((session) => presentEndedSession(session, config)) })
      }
      const active = await sessions.listActive(c.var.auth.userId)
      return c.json({ sessions: active.map((session) => presentSession(session, config, c.var.auth.sessionId)) })
    })
    .delete('/me/sessions/:id', requireUser, async (c) => {
      const id = uuidParam(c.req.param('id'), 'session_not_found')
      await myAccount.revokeOwn(c.var.auth, c.var.session, id, client.info(c))
      return c.body(null, 204)
    })
    .post('/me/sessions/revoke-all', requireUser, async (c) => {
      const revoked = await myAccount.revokeOthers(c.var.auth, c.var.session, client.info(c))
      return c.json({ revoked })
    })
    .post('/me/reauthenticate', requireUser, limitWrongPassword, async (c) => {
      const { password } = await jsonBody(c, z.object({ password: passwordField }))
      const until = await myAccount.reauthenticate(c.var.auth, password)
      return c.json({ reauthenticatedUntil: until.toISOString() })
    })
    .post('/me/password', requireUser, limitWrongPassword, async (c) => {
      const body = await jsonBody(c, z.object({ currentPassword: passwordField, newPassword: z.string().max(1024) }))
      const issued = await myAccount.changePassword(c.var.auth, body.currentPassword, body.newPassword, client.info(c))
      return answerTokenPair(c, issued, config, wantsCookieTransport(c) ? 'cookie' : 'bearer')
    })
    .get('/me/security-events', requireUser, async (c) => {
      const query = validate(eventsQuery, c.req.query())
      const cursor = query.cursor ? decodeCursor(query.cursor) : null
      if (query.cursor && !cursor) {
        throw new AppError('invalid_request', { details: [{ path: ['cursor'], message: 'Unknown cursor.' }] })
      }
      const page = await myAccount.listEvents(c.var.auth.userId, query.limit, cursor)
      return c.json({ events: page.events.map(presentEvent), nextCursor: encodeCursor(page.next) })
    })
}
