import type { Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'

type CookieOptions = NonNullable<Parameters<typeof setCookie>[3]>

/**
 * The cookie transport for browsers: the token pair travels in two `__Host-` cookies instead of the
 * body. `__Host-` pins them to sessiond's origin (Secure, Path=/, no Domain); HttpOnly keeps them
 * from script; SameSite=Strict keeps them off cross-site requests. Browsers and curl honour Secure
 * over plain http on localhost only; anywhere else the transport needs HTTPS.
 */
const ACCESS_COOKIE_NAME = 'sessiond_access'
const REFRESH_COOKIE_NAME = 'sessiond_refresh'
export const ACCESS_COOKIE = `__Host-${ACCESS_COOKIE_NAME}`
export const REFRESH_COOKIE = `__Host-${REFRESH_COOKIE_NAME}`

/** The request header a client sends to ask for the cookie transport. */
export const TRANSPORT_HEADER = 'Sessiond-Transport'

/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis), and hono refuses longer ones. */
const MAX_AGE_CAP_S = 400 * 24 * 60 * 60

const ATTRIBUTES = { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' } as const satisfies CookieOptions

export interface SessionCookieTokens {
  accessToken: string
  /** Seconds, as in the TokenPair. */
  expiresIn: number
  refreshToken: string
  refreshTokenExpiresAt: Date
  /** The instant the pair was issued (the service clock), for the refresh cookie's Max-Age. */
  now: Date | number
}

const seconds = (value: number) => Math.min(MAX_AGE_CAP_S, Math.max(0, Math.floor(value)))

/** Sets both cookies: the access token for `expiresIn`, the refresh token until it expires. */
export function setSessionCookies(c: Context, tokens: SessionCookieTokens): void {
  const now = typeof tokens.now === 'number' ? tokens.now : tokens.now.getTime()
  setCookie(c, ACCESS_COOKIE_NAME, tokens.accessToken, { ...ATTRIBUTES, maxAge: seconds(tokens.expiresIn) })
  setCookie(c, REFRESH_COOKIE_NAME, tokens.refreshToken, {
    ...ATTRIBUTES,
    maxAge: seconds((tokens.refreshTokenExpiresAt.getTime() - now) / 1000),
  })
}

/** Expires both cookies (`Max-Age=0`, same attributes, so the browser matches and drops them). */
export function clearSessionCookies(c: Context): void {
  setCookie(c, ACCESS_COOKIE_NAME, '', { ...ATTRIBUTES, maxAge: 0 })
  setCookie(c, REFRESH_COOKIE_NAME, '', { ...ATTRIBUTES, maxAge: 0 })
}

function read(c: Context, name: string): string | null {
  const value = getCookie(c, name, 'host')
  return value === undefined || value === '' ? null : value
}

/** The access token from `__Host-sessiond_access`, or null. */
export function readAccessCookie(c: Context): string | null {
  return read(c, ACCESS_COOKIE_NAME)
}

/** The refresh token from `__Host-sessiond_refresh`, or null. */
export function readRefreshCookie(c: Context): string | null {
  return read(c, REFRESH_COOKIE_NAME)
}

/** True when the request sent either session cookie. */
export function hasSessionCookie(c: Context): boolean {
  return readAccessCookie(c) !== null || readRefreshCookie(c) !== null
}

/** `Sessiond-Transport: cookie` (the value in any case). */
export function wantsCookieTransport(c: Context): boolean {
  return c.req.header(TRANSPORT_HEADER)?.trim().toLowerCase() === 'cookie'
}

export type AccessCredential = { token: string; via: 'bearer' | 'cookie' }

/**
 * The access token a request presents: the Authorization header judges whenever one is sent (a
 * non-Bearer or malformed one included: `bearer` decides, e.g. the existing `bearerToken`, which
 * throws on a malformed Bearer header); only a request with no Authorization header falls back to
 * the access cookie.
 */
export function presentedAccessToken(c: Context, bearer: (c: Context) => string | null): AccessCredential | null {
  if (c.req.header('authorization') !== undefined) {
    const token = bearer(c)
    return token === null ? null : { token, via: 'bearer' }
  }
  const token = readAccessCookie(c)
  return token === null ? null : { token, via: 'cookie' }
}

/**
 * Whether a request would be authenticated by a cookie: no Authorization header, and a session
 * cookie is present. The lead's `appliesTo` for cross-origin protection is this, or cookie-mode
 * login (`wantsCookieTransport`), or a page form.
 */
export function authenticatedByCookie(c: Context): boolean {
  return c.req.header('authorization') === undefined && hasSessionCookie(c)
}

/** A presented TokenPair without its tokens, as the cookie transport answers it. */
export function withoutTokens<T extends { accessToken: string; refreshToken: string; tokenType: string }>(
  pair: T,
): Omit<T, 'accessToken' | 'refreshToken' | 'tokenType'> & { tokenType: 'cookie' } {
  const { accessToken: _access, refreshToken: _refresh, tokenType: _type, ...rest } = pair
  return { tokenType: 'cookie' as const, ...rest }
}
