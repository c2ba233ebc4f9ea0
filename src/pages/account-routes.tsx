import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import { readBodyText } from '../http/body.js'
import type { AppEnv } from '../http/app-env.js'
import type { ClientReader } from '../http/client.js'
import { clearSessionCookies } from '../http/cookies.js'
import { protectCrossOrigin } from '../http/cross-origin.js'
import { limitLogins, limitPasswordRetries, setDeviceCookie } from '../http/middleware/password-attempts.js'
import { decodeCursor, encodeCursor } from '../http/present.js'
import type { Services } from '../services/index.js'
import type { SessionRow } from '../stores/schema.js'
import { canonicalUuid } from '../uuid.js'
import {
  ActivityPage,
  ConfirmPage,
  PasswordPage,
  ProblemPage,
  ReauthPage,
  SessionsPage,
  type ActionView,
  type PasswordPageProps,
  type SessionView,
} from './account-views.js'
import type { StatusMessage } from './layout.js'
import { ACCOUNT_HOME, safeNext } from './next-path.js'
import { leaveNote, takeNote, type Note } from './notes.js'
import { isSignedIn, loadPageUser, requirePageUser, setPageSessionCookies, signInPath, type PageContext, type PageEnv } from './page-session.js'
import { SignInPage } from './sign-in.js'
import { STYLESHEET, serveStylesheet } from './stylesheet.js'
import { INACTIVE_AFTER_MS, toEndedView, toEventView, toSessionView, type EventContext } from './session-views.js'
import { endedHereWords } from './words.js'

export { INACTIVE_AFTER_MS }
const EVENTS_PER_PAGE = 20
const MAX_FIELD = 1024

export type PageServices = Pick<Services, 'sessions' | 'myAccount' | 'accounts' | 'limits' | 'deviceCookies' | 'pageNotes' | 'clock'>

export interface PageDeps {
  /** The app's own translation of any error into an AppError (it logs what it does not know). */
  toAppError: (c: Context, error: unknown) => AppError
}

/** Whether a path is one of the pages' (their forms post application/x-www-form-urlencoded). */
export const isPagePath = (path: string) => path === ACCOUNT_HOME || path.startsWith(`${ACCOUNT_HOME}/`)

/** What a sign-out step ends: one session, every other one, the inactive ones, or all of them. */
type Target = { kind: 'session'; id: string } | { kind: 'others' } | { kind: 'inactive' } | { kind: 'all' }

function parseTarget(raw: string): Target | null {
  if (raw === 'others' || raw === 'inactive' || raw === 'all') return { kind: raw }
  const id = canonicalUuid(raw)
  return id ? { kind: 'session', id } : null
}

/** The form a page posted, as sent (never trimmed: passwords are used whole). */
async function readForm(c: Context): Promise<URLSearchParams> {
  return new URLSearchParams(await readBodyText(c))
}

const field = (form: URLSearchParams, name: string) => {
  const value = form.get(name) ?? ''
  return value.length > MAX_FIELD ? '' : value
}

/**
 * A failed attempt shown as its form again (200: the browser reports no failed load). The error is
 * kept on the context, so the password budgets judge the attempt by it (see failuresAre).
 */
function showFailure(c: Context, error: AppError, page: Parameters<Context['html']>[0]) {
  c.error = error
  return c.html(page, 200)
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/**
 * The hosted account pages (server-rendered, working without JavaScript) on the cookie transport:
 * sign in, the user's sessions and why ended ones ended, security activity, password change, and
 * sign-out of one session, all others, the inactive ones, everywhere, or this device. Forms follow
 * post/redirect/get; every form is same-origin only. The page headers (CSP and friends) are set
 * app-wide for /account (see app.ts), errors included.
 */
export function accountPages(services: PageServices, config: Config, client: ClientReader, { toAppError }: PageDeps) {
  const { sessions, myAccount, accounts, pageNotes, clock } = services
  const user = loadPageUser(services, client)
  // The same login budgets and device cookie as POST /login; the account is the form's email.
  const limitSignIns = limitLogins(
    { limits: services.limits, deviceCookies: services.deviceCookies, onRefused: sessions.loginRateLimited },
    client,
    async (c) => (await readForm(c)).get('email'),
  )
  // The same wrong-password budgets as /me/reauthenticate and /me/password.
  const limitPasswordChecks = limitPasswordRetries(services.limits, client)
  const limitReauthentication = limitPasswordRetries(services.limits, client, async (c) => field(await readForm(c), 'password') !== '')

  const note = (c: Context, text: string, extra: Partial<Note> = {}) => leaveNote(c, pageNotes, { kind: 'success', text, ...extra })
  const signInPage = (next: string, message: StatusMessage | null, email?: string) => SignInPage({ action: signInPath(next), email, message })

  /** The signed-in user's email and active sessions, this device first. */
  async function accountOf(c: PageContext) {
    const now = clock.now()
    const [user, active] = await Promise.all([accounts.findById(c.var.auth.userId), sessions.listActive(c.var.auth.userId)])
    const views = active.map((session) => toSessionView(session, config, now, c.var.auth.sessionId))
    const sorted = [...views.filter((view) => view.current), ...views.filter((view) => !view.current)]
    return { email: user?.email ?? '', now, sessions: sorted }
  }

  /** The confirm/re-auth step for `target`, or null when there is nothing (left) to end. */
  function actionView(target: Target, active: SessionView[], back: 'activity' | null): ActionView | null {
    const others = active.filter((session) => !session.current)
    const cancelHref = back === 'activity' ? '/account/activity' : ACCOUNT_HOME
    const fields: Record<string, string> = back ? { from: back } : {}
    const base = { fields, cancelHref }
    switch (target.kind) {
      case 'session': {
        const session = others.find((candidate) => candidate.id === target.id)
        if (!session) return null
        return {
          ...base,
          question: `Sign out ${session.device}?`,
          purpose: `sign out ${session.device}`,
          explanation: 'This ends that session: whoever uses it will have to sign in again. This device stays signed in.',
          session,
          action: `/account/sessions/${session.id}/sign-out`,
        }
      }
      case 'others':
        if (others.length === 0) return null
        return {
          ...base,
          question: 'Sign out all other sessions?',
          purpose: 'sign out all other sessions',
          explanation: `This signs out ${plural(others.length, 'other session', 'other sessions')}. This device stays signed in.`,
          action: '/account/sessions/others/sign-out',
        }
      case 'inactive': {
        const inactive = others.filter((session) => session.inactive)
        if (inactive.length === 0) return null
        return {
          ...base,
          question: 'Sign out inactive sessions?',
          purpose: 'sign out inactive sessions',
          explanation: `This signs out ${plural(inactive.length, 'session', 'sessions')} not used for more than a week. This device stays signed in.`,
          action: '/account/sessions/inactive/sign-out',
        }
      }
      case 'all':
        return {
          ...base,
          question: 'Sign out everywhere?',
          purpose: 'sign out everywhere',
          explanation: `This signs out every session, this device too (${plural(active.length, 'session', 'sessions')} in all). You will need to sign in again.`,
          action: '/account/sessions/all/sign-out',
        }
    }
  }

  /** Does what `target` names; answers where to go next (a redirect with its note already left). */
  async function act(c: PageContext, target: Target, session: SessionRow, active: SessionView[], back: string) {
    const { auth } = c.var
    switch (target.kind) {
      case 'session': {
        const device = active.find((candidate) => candidate.id === target.id)?.device ?? 'that session'
        await myAccount.revokeOwn(auth, session, target.id, client.info(c))
        const fromActivity = back === '/account/activity'
        note(c, fromActivity ? `Signed out ${device}. If that was not you, change your password now.` : `Signed out ${device}.`, fromActivity ? { offer: 'change-password' } : {})
        return c.redirect(back, 303)
      }
      case 'others': {
        const revoked = await myAccount.revokeOthers(auth, session, client.info(c))
        note(c, `Signed out ${plural(revoked, 'other session', 'other sessions')}.`)
        return c.redirect(back, 303)
      }
      case 'inactive': {
        let revoked = 0
        for (const inactive of active.filter((candidate) => candidate.inactive && !candidate.current)) {
          try {
            await myAccount.revokeOwn(auth, session, inactive.id, client.info(c))
            revoked += 1
          } catch (error) {
            // Ended meanwhile (by another tab, or it timed out): nothing left to do for that one.
            if (!(error instanceof AppError && error.code === 'session_not_found')) throw error
          }
        }
        note(c, `Signed out ${plural(revoked, 'inactive session', 'inactive sessions')}.`)
        return c.redirect(back, 303)
      }
      case 'all': {
        const revoked = await myAccount.revokeOthers(auth, session, client.info(c))
        await sessions.logout({ accessToken: c.var.pageAccessToken, refreshToken: null }, client.info(c))
        clearSessionCookies(c)
        note(c, `Signed out everywhere: this device and ${plural(revoked, 'other session', 'other sessions')}.`)
        return c.redirect('/account/sign-in', 303)
      }
    }
  }

  const pages = new Hono<PageEnv>()
  pages.onError(async (error, c) => {
    const appError = toAppError(c, error)
    const retryAfter = appError.extra.retryAfterSeconds
    if (retryAfter !== undefined) c.header('Retry-After', String(retryAfter))
    const status = appError.status as ContentfulStatusCode
    if (appError.code === 'rate_limited') {
      const text = `Too many attempts. Try again in ${retryAfter !== undefined && retryAfter > 90 ? `${Math.ceil(retryAfter / 60)} minutes` : 'a minute'}.`
      if (c.req.path === '/account/sign-in') {
        // The form again, with the email the visitor typed (the budgets read the body already).
        const email = c.req.method === 'POST' ? field(await readForm(c).catch(() => new URLSearchParams()), 'email') : ''
        return c.html(signInPage(safeNext(c.req.query('next')), { kind: 'error', text }, email), status)
      }
      return c.html(ProblemPage({ title: 'Too many attempts', message: text }), status)
    }
    if (appError.code === 'cross_origin_request') {
      return c.html(ProblemPage({ title: 'Nothing was changed', message: 'This form was sent from another site, so it was refused. Nothing was changed.' }), status)
    }
    if (appError.code === 'unavailable') {
      return c.html(ProblemPage({ title: 'Try again shortly', message: 'Something sessiond needs is unavailable right now. Nothing was changed; try again in a moment.' }), status)
    }
    return c.html(ProblemPage({ title: 'Something went wrong', message: appError.message }), status)
  })

  // Every page form is same-origin only (the frontends of BROWSER_ORIGINS have no business posting
  // them), and the sign-in form too (login CSRF). Refused before any body is read.
  pages.use('/account/*', protectCrossOrigin({ publicOrigin: config.publicOrigin, browserOrigins: [], appliesTo: () => true }))

  pages.get('/account', user, async (c) => {
    if (!isSignedIn(c)) {
      const ended = c.var.pageEnded
      return c.html(signInPage(ACCOUNT_HOME, takeNote(c, pageNotes) ?? (ended ? { kind: 'info', text: endedHereWords(ended) } : null)))
    }
    const account = await accountOf(c)
    const ended = await myAccount.listEnded(c.var.auth.userId)
    return c.html(
      SessionsPage({
        email: account.email,
        note: takeNote(c, pageNotes),
        now: account.now,
        sessions: account.sessions,
        ended: ended.map(toEndedView),
        retentionMs: config.sessionRetentionMs,
      }),
    )
  })

  pages.get('/account/sign-in', user, (c) => {
    const next = safeNext(c.req.query('next'))
    if (isSignedIn(c)) return c.redirect(next, 303)
    const ended = c.var.pageEnded
    return c.html(signInPage(next, takeNote(c, pageNotes) ?? (ended ? { kind: 'info', text: endedHereWords(ended) } : null)))
  })

  pages.post('/account/sign-in', limitSignIns, async (c) => {
    const next = safeNext(c.req.query('next'))
    const form = await readForm(c)
    const email = field(form, 'email')
    const password = field(form, 'password')
    const failed = (error: AppError, text: string) => showFailure(c, error, signInPage(next, { kind: 'error', text }, email))
    if (!email || !password) return failed(new AppError('invalid_request'), 'Enter your email and password.')
    try {
      const issued = await sessions.login(email, password, client.info(c))
      setPageSessionCookies(c, issued)
      setDeviceCookie(c, services.deviceCookies, email)
      return c.redirect(next, 303)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      if (error.code === 'invalid_credentials') return failed(error, 'The email or password is incorrect.')
      if (error.code === 'session_limit_reached') {
        return failed(error, 'Your account is already signed in on as many devices as it may be. Sign out on one of them first.')
      }
      if (error.code === 'unavailable') return failed(error, 'sessiond is busy right now. Try again in a moment.')
      throw error
    }
  })

  pages.post('/account/sign-out', user, async (c) => {
    if (isSignedIn(c)) await sessions.logout({ accessToken: c.var.pageAccessToken, refreshToken: null }, client.info(c))
    clearSessionCookies(c)
    note(c, 'You have signed out.')
    return c.redirect('/account/sign-in', 303)
  })

  pages.get('/account/activity', user, requirePageUser, async (c) => {
    const cursorText = c.req.query('cursor')
    const cursor = cursorText ? decodeCursor(cursorText) : null
    const [account, page, ended] = await Promise.all([
      accountOf(c),
      myAccount.listEvents(c.var.auth.userId, EVENTS_PER_PAGE, cursor),
      myAccount.listEnded(c.var.auth.userId),
    ])
    const context: EventContext = {
      currentId: c.var.auth.sessionId,
      endable: new Set(account.sessions.filter((session) => !session.current).map((session) => session.id)),
      devices: new Map([...ended.map((entry) => [entry.session.id, entry.session.device] as const), ...account.sessions.map((session) => [session.id, session.device] as const)]),
    }
    const older = encodeCursor(page.next)
    return c.html(
      ActivityPage({
        email: account.email,
        note: takeNote(c, pageNotes),
        now: account.now,
        events: page.events.map((event) => toEventView(event, context)),
        olderHref: older ? `/account/activity?cursor=${older}` : null,
        paged: cursor !== null,
        inactiveCount: account.sessions.filter((session) => session.inactive).length,
      }),
    )
  })

  const passwordPage = async (c: PageContext, props: Pick<PasswordPageProps, 'errors' | 'note'>) => {
    const found = await accounts.findById(c.var.auth.userId)
    return PasswordPage({ email: found?.email ?? '', minLength: config.passwordMinLength, ...props })
  }

  pages.get('/account/password', user, requirePageUser, async (c) => c.html(await passwordPage(c, { note: takeNote(c, pageNotes) })))

  pages.post('/account/password', user, requirePageUser, limitPasswordChecks, async (c) => {
    const form = await readForm(c)
    const currentPassword = field(form, 'currentPassword')
    const newPassword = field(form, 'newPassword')
    const failed = async (error: AppError, errors: NonNullable<PasswordPageProps['errors']>) =>
      showFailure(c, error, await passwordPage(c, { errors, note: { kind: 'error', text: 'Your password was not changed.' } }))
    if (!currentPassword) return failed(new AppError('invalid_request'), { currentPassword: 'Enter your current password.' })
    if (!newPassword) return failed(new AppError('invalid_request'), { newPassword: 'Enter a new password.' })
    try {
      const issued = await myAccount.changePassword(c.var.auth, currentPassword, newPassword, client.info(c))
      setPageSessionCookies(c, issued)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      if (error.code === 'wrong_password') return failed(error, { currentPassword: 'The password is incorrect.' })
      const problem = (error.extra.details as Array<{ message?: string }> | undefined)?.[0]?.message
      if (error.code === 'invalid_request' && problem) return failed(error, { newPassword: problem })
      throw error
    }
    note(c, 'Your password has been changed. Every other session has been signed out; this device stays signed in.')
    return c.redirect(ACCOUNT_HOME, 303)
  })

  /** Where a step returns to: the activity feed when it started there, else the sessions page. */
  const backOf = (from: string | null | undefined) => (from === 'activity' ? ('activity' as const) : null)
  const hrefOf = (back: 'activity' | null) => (back === 'activity' ? '/account/activity' : ACCOUNT_HOME)
  const NOTHING_LEFT: Record<Target['kind'], string> = {
    session: 'That session has already ended.',
    others: 'There is no other session to sign out.',
    inactive: 'There is no inactive session to sign out.',
    all: 'There is no session to sign out.',
  }
  const nothingLeft = (c: PageContext, back: 'activity' | null, target: Target | null) => {
    leaveNote(c, pageNotes, { kind: 'info', text: NOTHING_LEFT[target?.kind ?? 'session'] })
    return c.redirect(hrefOf(back), 303)
  }

  pages.get('/account/sessions/:target/confirm', user, requirePageUser, async (c) => {
    const back = backOf(c.req.query('from'))
    const target = parseTarget(c.req.param('target'))
    // This device is not ended from here: its own Sign out does that.
    if (target?.kind === 'session' && target.id === c.var.auth.sessionId) return c.redirect(ACCOUNT_HOME, 303)
    const account = await accountOf(c)
    const view = target ? actionView(target, account.sessions, back) : null
    if (!view) return nothingLeft(c, back, target)
    return c.html(ConfirmPage({ view, now: account.now }))
  })

  pages.post('/account/sessions/:target/sign-out', user, requirePageUser, limitReauthentication, async (c) => {
    const form = await readForm(c)
    const back = backOf(form.get('from'))
    const target = parseTarget(c.req.param('target'))
    const account = await accountOf(c)
    const view = target ? actionView(target, account.sessions, back) : null
    if (!target || !view) return nothingLeft(c, back, target)
    const reauth = (error: AppError, message: StatusMessage | null) =>
      showFailure(c, error, ReauthPage({ view, now: account.now, windowMs: config.reauthWindowMs, message }))

    let session = c.var.session
    const password = field(form, 'password')
    if (password) {
      try {
        await myAccount.reauthenticate(c.var.auth, password)
      } catch (error) {
        if (error instanceof AppError && error.code === 'wrong_password') return reauth(error, { kind: 'error', text: 'The password is incorrect.' })
        throw error
      }
      // The proof is on the ledger row now: act with the row as it stands.
      session = (await sessions.activeSession(c.var.auth.sessionId)) ?? session
    }
    try {
      return await act(c, target, session, account.sessions, hrefOf(back))
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      if (error.code === 'reauthentication_required') return reauth(error, null)
      if (error.code === 'session_not_found') return nothingLeft(c, back, target)
      throw error
    }
  })

  // The stylesheet sits beside the pages, not under their error pages: any other name is the API's 404.
  const stylesheetName = STYLESHEET.path.slice('/assets/'.length)
  return new Hono<AppEnv>()
    .get('/assets/:file', (c, next) => {
      if (c.req.param('file') !== stylesheetName) throw new AppError('not_found')
      return serveStylesheet(c, next)
    })
    .route('/', pages)
}
