import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../http/app-env.js'
import type { AdminConsole, ConsoleAuth } from '../services/admin-console.js'

/**
 * The console's own credential: `__Host-sessiond_console` (Secure, HttpOnly, SameSite=Strict,
 * Path=/), an opaque token valid for the console only. The access and refresh cookies of the
 * account pages carry no console rights, and this one is never accepted anywhere else.
 */
const CONSOLE_COOKIE_NAME = 'sessiond_console'
export const CONSOLE_COOKIE = `__Host-${CONSOLE_COOKIE_NAME}`
const ATTRIBUTES = { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' } as const

export const CONSOLE_HOME = '/console'

/** What the console pages add to a request's context. */
export type ConsoleEnv = {
  Variables: AppEnv['Variables'] & {
    /** The signed-in admin and their console session (set by `loadConsoleAdmin`, when valid). */
    consoleAuth?: ConsoleAuth
  }
}
export type ConsoleContext = Context<ConsoleEnv>

/** The signed-in admin, once `requireConsoleAdmin` has let the request through. */
export function consoleAuthOf(c: ConsoleContext): ConsoleAuth {
  const auth = c.get('consoleAuth')
  if (!auth) throw new Error('consoleAuthOf before requireConsoleAdmin')
  return auth
}

/** Sets the console cookie until the console session's absolute expiry (idleness ends it sooner, server-side). */
export function setConsoleCookie(c: Context, auth: ConsoleAuth, token: string, now: Date): void {
  const maxAge = Math.max(0, Math.floor((auth.session.absoluteExpiresAt.getTime() - now.getTime()) / 1000))
  setCookie(c, CONSOLE_COOKIE_NAME, token, { ...ATTRIBUTES, maxAge })
}

export function clearConsoleCookie(c: Context): void {
  setCookie(c, CONSOLE_COOKIE_NAME, '', { ...ATTRIBUTES, maxAge: 0 })
}

/**
 * Reads the console cookie: a credential `adminConsole.authenticate` still accepts (an active console
 * session of an account that still holds the role) sets `consoleAuth`; one it refuses is expired.
 * Never answers by itself.
 */
export function loadConsoleAdmin(adminConsole: Pick<AdminConsole, 'authenticate'>): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const token = getCookie(c, CONSOLE_COOKIE_NAME, 'host')
    if (token) {
      const auth = await adminConsole.authenticate(token)
      if (auth) c.set('consoleAuth', auth)
      else clearConsoleCookie(c)
    }
    await next()
  }
}

/**
 * Console pages for a signed-in admin only: anyone else goes to the console's sign-in, which brings a
 * GET back to where it was (a form post cannot be replayed, so it comes back to the overview).
 */
export const requireConsoleAdmin: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.get('consoleAuth')) return next()
  const url = new URL(c.req.url)
  const back = c.req.method === 'GET' || c.req.method === 'HEAD' ? `${url.pathname}${url.search}` : CONSOLE_HOME
  return c.redirect(consoleSignInPath(back), 303)
}

/** `/console/sign-in`, with `next` when it is not the overview. */
export function consoleSignInPath(next: string): string {
  return next === CONSOLE_HOME ? '/console/sign-in' : `/console/sign-in?next=${encodeURIComponent(next)}`
}
