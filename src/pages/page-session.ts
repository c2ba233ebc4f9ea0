import type { Context, MiddlewareHandler } from 'hono'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/app-env.js'
import type { ClientReader } from '../http/client.js'
import { clearSessionCookies, readAccessCookie, readRefreshCookie, setSessionCookies } from '../http/cookies.js'
import type { Services } from '../services/index.js'
import type { EndedReason } from '../services/my-account.js'
import type { IssuedTokens } from '../services/sessions.js'

/** What the account pages add to a request's context. */
export type PageEnv = {
  Variables: AppEnv['Variables'] & {
    /** The access token this request was authenticated with (the cookie's, or the one just minted). */
    pageAccessToken: string
    /** Why the session this browser held is over, when a rotation found out (for the sign-in page). */
    pageEnded: EndedReason | null
  }
}

export type PageContext = Context<PageEnv>

/** True once `loadPageUser` found a valid session (then `c.var.auth` and `c.var.session` are set). */
export const isSignedIn = (c: PageContext) => c.get('pageAccessToken') !== undefined

/** Sets both session cookies from a token pair the service just issued. */
export function setPageSessionCookies(c: Context, issued: IssuedTokens): void {
  setSessionCookies(c, { ...issued, now: issued.issuedAt })
}

/**
 * The cookie transport for the pages: `__Host-sessiond_access` → `c.var.auth`/`c.var.session` as
 * `sessions.authenticate` decides. When the access token is missing or no longer accepted but the
 * refresh cookie is valid, the session is rotated through `sessions.refresh` (new cookies on this
 * answer) instead of sending the user to sign in. Cookies the service no longer accepts are
 * expired, and why the session ended is kept for the sign-in page. Never answers by itself.
 */
export function loadPageUser({ sessions }: Pick<Services, 'sessions'>, client: ClientReader): MiddlewareHandler<PageEnv> {
  return async (c, next) => {
    c.set('pageEnded', null)
    const access = readAccessCookie(c)
    let caller = access ? await sessions.authenticate(access) : null
    let token = access
    const refresh = caller ? null : readRefreshCookie(c)
    if (!caller && refresh) {
      try {
        const issued = await sessions.refresh(refresh, () => client.info(c))
        setPageSessionCookies(c, issued)
        caller = await sessions.authenticate(issued.accessToken)
        token = issued.accessToken
      } catch (error) {
        if (!(error instanceof AppError) || error.status !== 401) throw error
        c.set('pageEnded', endedReasonOf(error))
      }
    }
    if (caller && token) {
      c.set('auth', caller.auth)
      c.set('session', caller.session)
      c.set('pageAccessToken', token)
    } else if (access || refresh) {
      clearSessionCookies(c)
    }
    await next()
  }
}

function endedReasonOf(error: AppError): EndedReason | null {
  if (error.code === 'session_expired') return 'expired'
  if (error.code === 'refresh_token_reused') return 'reuse_detected'
  if (error.code === 'session_revoked') return error.extra.reason ?? null
  return null
}

/**
 * Pages that need a signed-in user: anyone else is sent to the sign-in page, which brings them back
 * here afterwards (a GET's own URL; a form post cannot be replayed, so it comes back to /account).
 */
export const requirePageUser: MiddlewareHandler<PageEnv> = async (c, next) => {
  if (isSignedIn(c)) return next()
  const url = new URL(c.req.url)
  const back = c.req.method === 'GET' || c.req.method === 'HEAD' ? `${url.pathname}${url.search}` : '/account'
  return c.redirect(signInPath(back), 303)
}

/** `/account/sign-in`, with `next` when it is not the default. */
export function signInPath(next: string): string {
  return next === '/account' ? '/account/sign-in' : `/account/sign-in?next=${encodeURIComponent(next)}`
}
