import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/app-env.js'
import { readBodyText } from '../http/body.js'
import type { ClientReader } from '../http/client.js'
import { protectCrossOrigin } from '../http/cross-origin.js'
import { limitLogins, limitPasswordRetries, setDeviceCookie } from '../http/middleware/password-attempts.js'
import { decodeCursor, decodeUserCursor, encodeCursor, encodeUserCursor } from '../http/present.js'
import { reasonField } from '../http/reason.js'
import type { AuditActorFilter } from '../services/audit.js'
import type { ConsoleAuth } from '../services/admin-console.js'
import type { Services } from '../services/index.js'
import type { AuditLogRow, SessionRow, UserRow } from '../stores/schema.js'
import { fitsPostgresText } from '../text.js'
import { canonicalUuid } from '../uuid.js'
import { ProblemPage } from './account-views.js'
import {
  clearConsoleCookie,
  CONSOLE_HOME,
  consoleAuthOf,
  consoleSignInPath,
  loadConsoleAdmin,
  requireConsoleAdmin,
  setConsoleCookie,
  type ConsoleContext,
  type ConsoleEnv,
} from './console-session.js'
import { AuditPage, CONSOLE_BRAND, ConsoleConfirmPage, OverviewPage, UserPage, UsersPage, type AuditRow, type ConsoleActionView, type ConsoleConfirmProps, type UserListItem } from './console-views.js'
import type { StatusMessage } from './layout.js'
import { safeNext } from './next-path.js'
import { leaveNote, takeNote } from './notes.js'
import { toEndedView, toEventView, toSessionView } from './session-views.js'
import { SignInPage } from './sign-in.js'
import { auditActionWords } from './words.js'

const PAGE_SIZE = 50
const EVENTS_PER_PAGE = 20
const MAX_FIELD = 1024
/** What an operator types to sign out every user (compared without regard to case or outer spaces). */
export const EVERYONE_PHRASE = 'sign out every user'

export type ConsolePageServices = Pick<
  Services,
  'adminConsole' | 'consoleOverview' | 'operatorActions' | 'audit' | 'accounts' | 'sessions' | 'myAccount' | 'limits' | 'deviceCookies' | 'pageNotes' | 'clock'
>

export interface ConsolePageDeps {
  /** The app's own translation of any error into an AppError (it logs what it does not know). */
  toAppError: (c: Context, error: unknown) => AppError
}

/** Whether a path is one of the console's (its forms post application/x-www-form-urlencoded). */
export const isConsolePath = (path: string) => path === CONSOLE_HOME || path.startsWith(`${CONSOLE_HOME}/`)

/** A change the console makes, once its target is known to exist. */
type ConsoleAction =
  | { kind: 'session'; user: UserRow; session: SessionRow }
  | { kind: 'sign-out-all' | 'disable' | 'enable' | 'delete'; user: UserRow }
  | { kind: 'everyone' }

const USER_ACTIONS = ['sign-out-all', 'disable', 'enable', 'delete'] as const
type UserActionKind = (typeof USER_ACTIONS)[number]
const isUserAction = (value: string): value is UserActionKind => (USER_ACTIONS as readonly string[]).includes(value)

async function readForm(c: Context): Promise<URLSearchParams> {
  return new URLSearchParams(await readBodyText(c))
}

const field = (form: URLSearchParams, name: string) => {
  const value = form.get(name) ?? ''
  return value.length > MAX_FIELD ? '' : value
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase()

const listItem = (user: UserRow): UserListItem & { disabledAt: Date | null } => ({
  id: user.id,
  email: user.email,
  disabled: user.disabledAt !== null,
  admin: user.isAdmin,
  createdAt: user.createdAt,
  disabledAt: user.disabledAt,
})

/**
 * The operators' console (server-rendered, working without JavaScript) on its own cookie
 * (`__Host-sessiond_console`): only accounts with the admin role sign in; every change goes through a
 * confirming step with an optional reason for the user, needs a password proof within REAUTH_WINDOW,
 * and is made by operatorActions with the admin as the audited actor. Forms are same-origin only;
 * the page headers are set app-wide for /console (see app.ts), errors included.
 */
export function consolePages(services: ConsolePageServices, config: Config, client: ClientReader, { toAppError }: ConsolePageDeps) {
  const { adminConsole, consoleOverview, operatorActions, audit, accounts, sessions, myAccount, pageNotes, clock } = services
  const admin = loadConsoleAdmin(adminConsole)
  // The same login budgets and device cookie as POST /login and the account page's sign-in.
  const limitSignIns = limitLogins(
    { limits: services.limits, deviceCookies: services.deviceCookies, onRefused: sessions.loginRateLimited },
    client,
    async (c) => (await readForm(c)).get('email'),
  )
  // A password typed on a confirming step: the admin's wrong-password budgets, before the argon2id check.
  const limitReauthentication = limitPasswordRetries(
    services.limits,
    client,
    async (c) => field(await readForm(c), 'password') !== '',
    (c) => consoleAuthOf(c as ConsoleContext).admin.id,
  )

  const note = (c: Context, text: string, kind: StatusMessage['kind'] = 'success') => leaveNote(c, pageNotes, { kind, text })
  const signInPage = (next: string, message: StatusMessage | null, email?: string) =>
    SignInPage({ action: consoleSignInPath(next), email, message, lead: 'The operators’ console. Only accounts with the admin role can sign in.' })
  const userHref = (userId: string) => `/console/users/${userId}`

  async function existingUser(id: string): Promise<UserRow> {
    const userId = canonicalUuid(id)
    const user = userId ? await accounts.findById(userId) : null
    if (!user) throw new AppError('user_not_found')
    return user
  }

  /** The change a confirm or act URL names, or null when there is nothing (left) to do. */
  async function resolve(c: ConsoleContext): Promise<ConsoleAction | null> {
    if (c.req.path === '/console/sign-out-everyone') return { kind: 'everyone' }
    const user = await existingUser(c.req.param('userId') ?? '')
    const sessionParam = c.req.param('sessionId')
    if (sessionParam !== undefined) {
      const sessionId = canonicalUuid(sessionParam)
      // Exactly the row the operator picked, and only while it belongs to this user and is active.
      const session = sessionId ? (await sessions.listActive(user.id)).find((row) => row.id === sessionId) : undefined
      return session ? { kind: 'session', user, session } : null
    }
    const kind = c.req.param('action') ?? ''
    if (!isUserAction(kind)) throw new AppError('not_found')
    if (kind === 'disable' && user.disabledAt) return null
    if (kind === 'enable' && !user.disabledAt) return null
    if (kind === 'sign-out-all' && (await sessions.listActive(user.id)).length === 0) return null
    return { kind, user }
  }

  const NOTHING_LEFT: Record<ConsoleAction['kind'], string> = {
    session: 'That session has already ended.',
    'sign-out-all': 'That user has no active session.',
    disable: 'That account is already disabled.',
    enable: 'That account is already enabled.',
    delete: 'That account no longer exists.',
    everyone: '',
  }

  function viewOf(action: ConsoleAction, auth: ConsoleAuth): ConsoleActionView {
    const needsPassword = adminConsole.needsReauthentication(auth)
    const now = clock.now()
    switch (action.kind) {
      case 'session': {
        const { user, session } = action
        return {
          question: `Sign out ${session.device}?`,
          explanation: `This ends this one session of ${user.email}: whoever uses it will have to sign in again. Their other sessions stay signed in.`,
          session: toSessionView(session, config, now, ''),
          action: `${userHref(user.id)}/sessions/${session.id}/sign-out`,
          cancelHref: userHref(user.id),
          reason: true,
          needsPassword,
        }
      }
      case 'sign-out-all':
        return {
          question: `Sign out all sessions of ${action.user.email}?`,
          explanation: 'Every session of this account ends, console sessions included. The user can sign in again.',
          action: `${userHref(action.user.id)}/sign-out-all`,
          cancelHref: userHref(action.user.id),
          reason: true,
          needsPassword,
        }
      case 'disable':
        return {
          question: `Disable ${action.user.email}?`,
          explanation: 'Every session of this account ends at once, and it cannot sign in or refresh until it is enabled again.',
          action: `${userHref(action.user.id)}/disable`,
          cancelHref: userHref(action.user.id),
          reason: true,
          needsPassword,
        }
      case 'enable':
        return {
          question: `Enable ${action.user.email}?`,
          explanation: 'The account can sign in again. Sessions that ended when it was disabled stay ended.',
          action: `${userHref(action.user.id)}/enable`,
          cancelHref: userHref(action.user.id),
          reason: true,
          needsPassword,
        }
      case 'delete':
        return {
          question: `Delete ${action.user.email}?`,
          explanation: 'The account and all its sessions are deleted; this cannot be undone. Its ended sessions stay revoked everywhere.',
          action: `${userHref(action.user.id)}/delete`,
          cancelHref: userHref(action.user.id),
          reason: true,
          typed: { label: 'Type the account’s email to confirm', expected: action.user.email },
          needsPassword,
        }
      case 'everyone':
        return {
          question: 'Sign out every user?',
          explanation:
            'Every session of every user ends at once, for incidents such as a leaked signing key. Your own console session stays signed in, so you can go on working; every other console session ends too.',
          action: '/console/sign-out-everyone',
          cancelHref: CONSOLE_HOME,
          reason: true,
          typed: { label: `Type “${EVERYONE_PHRASE}” to confirm`, expected: EVERYONE_PHRASE },
          needsPassword,
        }
    }
  }

  /** Makes the change; answers where to go next, its note already left. */
  async function perform(c: ConsoleContext, action: ConsoleAction, auth: ConsoleAuth, reason: string | null) {
    const call = adminConsole.operatorCall(auth, { reason, ip: client.ip(c) })
    switch (action.kind) {
      case 'session':
        try {
          await operatorActions.revokeSession(action.session.id, call)
        } catch (error) {
          if (!(error instanceof AppError && error.code === 'session_not_found')) throw error
          note(c, NOTHING_LEFT.session, 'info')
          return c.redirect(userHref(action.user.id), 303)
        }
        note(c, `Signed out ${action.session.device} of ${action.user.email}.`)
        return afterChange(c, auth, userHref(action.user.id))
      case 'sign-out-all': {
        const revoked = await operatorActions.revokeUser(action.user.id, call)
        note(c, `Signed out ${plural(revoked, 'session', 'sessions')} of ${action.user.email}.`)
        return afterChange(c, auth, userHref(action.user.id))
      }
      case 'disable':
        await operatorActions.setDisabled(action.user.id, true, call)
        note(c, `Disabled ${action.user.email}; every session of it has ended.`)
        return afterChange(c, auth, userHref(action.user.id))
      case 'enable':
        await operatorActions.setDisabled(action.user.id, false, call)
        note(c, `Enabled ${action.user.email}.`)
        return c.redirect(userHref(action.user.id), 303)
      case 'delete':
        await operatorActions.deleteUser(action.user.id, call)
        note(c, `Deleted ${action.user.email}.`)
        return afterChange(c, auth, '/console/users')
      case 'everyone': {
        const revoked = await operatorActions.revokeEverything(call, auth.session.id)
        note(c, `Signed out every user: ${plural(revoked, 'session', 'sessions')} ended. Your console session stays signed in.`)
        return c.redirect(CONSOLE_HOME, 303)
      }
    }
  }

  /** After a change that may have ended the admin's own console session (their own account), go where they still can. */
  async function afterChange(c: ConsoleContext, auth: ConsoleAuth, next: string) {
    if (await sessions.activeSession(auth.session.id)) return c.redirect(next, 303)
    clearConsoleCookie(c)
    return c.redirect(consoleSignInPath(CONSOLE_HOME), 303)
  }

  const pages = new Hono<ConsoleEnv>()
  pages.onError(async (error, c) => {
    const appError = toAppError(c, error)
    const retryAfter = appError.extra.retryAfterSeconds
    if (retryAfter !== undefined) c.header('Retry-After', String(retryAfter))
    const status = appError.status as ContentfulStatusCode
    const problem = (title: string, message: string) => c.html(ProblemPage({ title, message, back: { href: CONSOLE_HOME, label: 'Back to the console' }, home: CONSOLE_BRAND }), status)
    if (appError.code === 'rate_limited') {
      const text = `Too many attempts. Try again in ${retryAfter !== undefined && retryAfter > 90 ? `${Math.ceil(retryAfter / 60)} minutes` : 'a minute'}.`
      if (c.req.path === '/console/sign-in') {
        const email = c.req.method === 'POST' ? field(await readForm(c).catch(() => new URLSearchParams()), 'email') : ''
        return c.html(signInPage(safeNext(c.req.query('next'), CONSOLE_HOME), { kind: 'error', text }, email), status)
      }
      return problem('Too many attempts', text)
    }
    if (appError.code === 'cross_origin_request') return problem('Nothing was changed', 'This form was sent from another site, so it was refused. Nothing was changed.')
    if (appError.code === 'unavailable') return problem('Try again shortly', 'Something sessiond needs is unavailable right now. Nothing was changed; try again in a moment.')
    if (appError.code === 'user_not_found') return problem('No such user', 'There is no user with that id: it may have been deleted.')
    return problem('Something went wrong', appError.message)
  })

  // Every console form is same-origin only (no frontend of BROWSER_ORIGINS may post them), the
  // sign-in too (login CSRF). Refused before any body is read.
  pages.use('/console/*', protectCrossOrigin({ publicOrigin: config.publicOrigin, browserOrigins: [], appliesTo: () => true }))
  pages.use('/console/*', admin)

  pages.get('/console/sign-in', (c) => {
    const next = safeNext(c.req.query('next'), CONSOLE_HOME)
    if (c.get('consoleAuth')) return c.redirect(next, 303)
    return c.html(signInPage(next, takeNote(c, pageNotes)))
  })

  pages.post('/console/sign-in', limitSignIns, async (c) => {
    const next = safeNext(c.req.query('next'), CONSOLE_HOME)
    const form = await readForm(c)
    const email = field(form, 'email')
    const password = field(form, 'password')
    const failed = (error: AppError, text: string) => {
      c.error = error
      return c.html(signInPage(next, { kind: 'error', text }, email), 200)
    }
    if (!email || !password) return failed(new AppError('invalid_request'), 'Enter your email and password.')
    try {
      const { auth, token } = await adminConsole.signIn(email, password, client.info(c))
      setConsoleCookie(c, auth, token, clock.now())
      setDeviceCookie(c, services.deviceCookies, email)
      return c.redirect(next, 303)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      // A wrong password and an account without the admin role read the same.
      if (error.code === 'invalid_credentials') return failed(error, 'The email or password is incorrect, or the account is not an administrator.')
      if (error.code === 'unavailable') return failed(error, 'sessiond is busy right now. Try again in a moment.')
      throw error
    }
  })

  pages.post('/console/sign-out', async (c) => {
    const auth = c.get('consoleAuth')
    if (auth) await adminConsole.signOut(auth, client.info(c))
    clearConsoleCookie(c)
    note(c, 'You have signed out of the console.')
    return c.redirect('/console/sign-in', 303)
  })

  // Everything else is for a signed-in admin only.
  pages.use('/console/*', requireConsoleAdmin)

  pages.get('/console', async (c) => {
    const auth = consoleAuthOf(c)
    return c.html(OverviewPage({ admin: auth.admin.email, note: takeNote(c, pageNotes), overview: await consoleOverview.read() }))
  })

  pages.get('/console/users', async (c) => {
    const auth = consoleAuthOf(c)
    const query = (c.req.query('email') ?? '').trim()
    const cursorText = c.req.query('cursor')
    const after = cursorText ? decodeUserCursor(cursorText) : null
    const firstHref = query ? `/console/users?email=${encodeURIComponent(query)}` : '/console/users'
    const base = { admin: auth.admin.email, note: takeNote(c, pageNotes), query, firstHref }
    if (query.length > 254 || !fitsPostgresText(query) || (cursorText && after === null)) {
      c.error = new AppError('invalid_request')
      return c.html(UsersPage({ ...base, users: [], total: 0, nextHref: null, paged: false, error: 'That search cannot be run: enter the start of an email.' }), 400)
    }
    const page = await accounts.searchByEmailPrefix(query, { after, limit: PAGE_SIZE })
    const next = encodeUserCursor(page.next)
    const nextHref = next ? `/console/users?${new URLSearchParams({ ...(query ? { email: query } : {}), cursor: next })}` : null
    return c.html(UsersPage({ ...base, users: page.users.map(listItem), total: page.total, nextHref, paged: after !== null, error: null }))
  })

  pages.get('/console/users/:userId', async (c) => {
    const auth = consoleAuthOf(c)
    const user = await existingUser(c.req.param('userId'))
    const cursorText = c.req.query('events')
    const cursor = cursorText ? decodeCursor(cursorText) : null
    if (cursorText && !cursor) throw new AppError('invalid_request', { details: [{ path: ['events'], message: 'Unknown cursor.' }] })
    const now = clock.now()
    const [active, ended, events] = await Promise.all([sessions.listActive(user.id), myAccount.listEnded(user.id), myAccount.listEvents(user.id, EVENTS_PER_PAGE, cursor)])
    const devices = new Map([...ended.map((entry) => [entry.session.id, entry.session.device] as const), ...active.map((row) => [row.id, row.device] as const)])
    const older = encodeCursor(events.next)
    return c.html(
      UserPage({
        admin: auth.admin.email,
        note: takeNote(c, pageNotes),
        now,
        user: listItem(user),
        sessions: active.map((row) => toSessionView(row, config, now, '')),
        ended: ended.map(toEndedView),
        events: events.events.map((event) => toEventView(event, { currentId: '', endable: new Set(), devices })),
        olderEventsHref: older ? `${userHref(user.id)}?events=${older}` : null,
        retentionMs: config.sessionRetentionMs,
      }),
    )
  })

  const emptyValues = { reason: '', typed: '' }
  const confirmPage = (c: ConsoleContext, view: ConsoleActionView, rest: Partial<Pick<ConsoleConfirmProps, 'message' | 'values' | 'errors'>> = {}) =>
    ConsoleConfirmPage({ admin: consoleAuthOf(c).admin.email, view, now: clock.now(), windowMs: config.reauthWindowMs, message: null, values: emptyValues, errors: {}, ...rest })

  /** Nothing (left) to do: back to the user's page (or the list, when the user is gone) with a note. */
  const nothingLeft = (c: ConsoleContext, kind: ConsoleAction['kind']) => {
    const userId = c.req.param('userId')
    note(c, NOTHING_LEFT[kind === 'everyone' ? 'session' : kind], 'info')
    return c.redirect(userId ? userHref(userId) : CONSOLE_HOME, 303)
  }
  const kindOf = (c: ConsoleContext): ConsoleAction['kind'] => (c.req.param('sessionId') !== undefined ? 'session' : ((c.req.param('action') ?? 'session') as ConsoleAction['kind']))

  const showConfirm = async (c: ConsoleContext) => {
    const action = await resolve(c)
    if (!action) return nothingLeft(c, kindOf(c))
    return c.html(confirmPage(c, viewOf(action, consoleAuthOf(c))))
  }

  const act = async (c: ConsoleContext) => {
    const action = await resolve(c)
    if (!action) return nothingLeft(c, kindOf(c))
    let auth = consoleAuthOf(c)
    let view = viewOf(action, auth)
    const form = await readForm(c)
    const values = { reason: field(form, 'reason'), typed: field(form, 'typed') }
    const refused = (error: AppError, errors: ConsoleConfirmProps['errors'], text = 'Nothing was changed.') => {
      c.error = error
      return c.html(confirmPage(c, view, { values, errors, message: { kind: 'error', text } }), 200)
    }
    const reason = reasonField.safeParse(values.reason)
    if (!reason.success) return refused(new AppError('invalid_request'), { reason: reason.error.issues[0]?.message ?? 'Not a valid reason.' })
    if (view.typed && !sameText(values.typed, view.typed.expected)) {
      return refused(new AppError('invalid_request'), { typed: values.typed ? 'That is not what was asked for.' : 'Type it to confirm.' })
    }
    if (view.needsPassword) {
      const password = field(form, 'password')
      if (!password) return refused(new AppError('reauthentication_required'), { password: 'Enter your password.' })
      try {
        await adminConsole.reauthenticate(auth, password)
      } catch (error) {
        if (error instanceof AppError && error.code === 'wrong_password') return refused(error, { password: 'The password is incorrect.' })
        throw error
      }
      // The proof is on the ledger row now: act with the row as it stands.
      const session = await sessions.activeSession(auth.session.id)
      if (session) auth = { ...auth, session }
    }
    try {
      return await perform(c, action, auth, reason.data)
    } catch (error) {
      if (error instanceof AppError && error.code === 'reauthentication_required') {
        view = { ...view, needsPassword: true }
        return refused(error, {}, 'Enter your password to confirm.')
      }
      if (error instanceof AppError && error.code === 'user_not_found') return nothingLeft(c, 'delete')
      throw error
    }
  }

  pages.get('/console/sign-out-everyone', showConfirm)
  pages.post('/console/sign-out-everyone', limitReauthentication, act)
  pages.get('/console/users/:userId/sessions/:sessionId/sign-out', showConfirm)
  pages.post('/console/users/:userId/sessions/:sessionId/sign-out', limitReauthentication, act)
  pages.get('/console/users/:userId/:action', showConfirm)
  pages.post('/console/users/:userId/:action', limitReauthentication, act)

  pages.get('/console/audit', async (c) => {
    const auth = consoleAuthOf(c)
    const filters = { user: (c.req.query('user') ?? '').trim(), actor: (c.req.query('actor') ?? '').trim() }
    const cursorText = c.req.query('cursor')
    const cursor = cursorText ? decodeCursor(cursorText) : null
    const firstParams = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''))
    const firstHref = `/console/audit${firstParams.size ? `?${firstParams}` : ''}`
    const base = { admin: auth.admin.email, note: takeNote(c, pageNotes), filters, firstHref }
    const [userId, actor] = await Promise.all([userFilter(filters.user), actorFilter(filters.actor)])
    const problem = userId === undefined ? 'No user has that email or id.' : actor === undefined ? 'No operator matches that actor.' : cursorText && !cursor ? 'That page link is not valid.' : null
    if (problem || userId === undefined || actor === undefined) {
      c.error = new AppError('invalid_request')
      return c.html(AuditPage({ ...base, entries: [], olderHref: null, paged: false, error: problem }), 400)
    }
    const page = await audit.list({ limit: PAGE_SIZE, cursor, userId, actor })
    const older = encodeCursor(page.next)
    const olderParams = new URLSearchParams(firstParams)
    if (older) olderParams.set('cursor', older)
    return c.html(
      AuditPage({ ...base, entries: await auditRows(page.entries), olderHref: older ? `/console/audit?${olderParams}` : null, paged: cursor !== null, error: null }),
    )
  })

  /** The audit filter's user: null for none, undefined when it names no one. */
  async function userFilter(text: string): Promise<string | null | undefined> {
    if (text === '') return null
    const id = canonicalUuid(text)
    if (id) return id // deleted users keep their entries: an id needs no account
    if (!text.includes('@') || text.length > 254 || !fitsPostgresText(text)) return undefined
    return (await accounts.findByEmail(text))?.id ?? undefined
  }

  /** The audit filter's actor: `cli`, a key fingerprint, or an admin by email or id. */
  async function actorFilter(text: string): Promise<AuditActorFilter | null | undefined> {
    if (text === '') return null
    if (text.toLowerCase() === 'cli' || /^[0-9a-f]{8}$/i.test(text)) return { type: 'api_key', id: text.toLowerCase() }
    const id = canonicalUuid(text)
    if (id) return { type: 'admin', id }
    if (!text.includes('@') || text.length > 254 || !fitsPostgresText(text)) return undefined
    const user = await accounts.findByEmail(text)
    return user ? { type: 'admin', id: user.id } : undefined
  }

  async function auditRows(entries: AuditLogRow[]): Promise<AuditRow[]> {
    const ids = [...new Set(entries.map((entry) => entry.targetUserId).filter((id): id is string => id !== null))]
    const users = new Map((await Promise.all(ids.map((id) => accounts.findById(id)))).filter((user): user is UserRow => user !== null).map((user) => [user.id, user.email]))
    return entries.map((entry) => ({
      id: String(entry.id),
      at: entry.at,
      actor: entry.actorType === 'admin' ? (entry.actorEmail ?? entry.actorId) : entry.actorId === 'cli' ? 'Command line (cli)' : `API key ${entry.actorId}`,
      actorHref: `/console/audit?actor=${encodeURIComponent(entry.actorType === 'admin' ? entry.actorId : entry.actorId)}`,
      action: auditActionWords(entry.action),
      target: { userId: entry.targetUserId, email: entry.targetUserId ? (users.get(entry.targetUserId) ?? null) : null, sessionId: entry.targetSessionId },
      reason: entry.reason,
      ip: entry.ip,
    }))
  }

  return new Hono<AppEnv>().route('/', pages)
}
