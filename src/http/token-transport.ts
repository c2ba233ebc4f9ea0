import type { Context } from 'hono'
import { AppError } from '../errors.js'
import type { IssuedTokens } from '../services/sessions.js'
import type { TimeoutConfig } from '../services/session-expiry.js'
import { clearSessionCookies, setSessionCookies, withoutTokens } from './cookies.js'
import { presentTokenPair } from './present.js'

export type TokenTransport = 'bearer' | 'cookie'

/**
 * Answers a freshly issued token pair: in the body (`tokenType: "Bearer"`), or, for the cookie
 * transport, in the two `__Host-` session cookies with a body that carries no token (`tokenType: "cookie"`).
 */
export function answerTokenPair(c: Context, issued: IssuedTokens, config: TimeoutConfig, transport: TokenTransport): Response {
  const pair = presentTokenPair(issued, config)
  if (transport === 'bearer') return c.json(pair)
  setSessionCookies(c, {
    accessToken: issued.accessToken,
    expiresIn: issued.expiresIn,
    refreshToken: issued.refreshToken,
    refreshTokenExpiresAt: issued.refreshTokenExpiresAt,
    now: issued.issuedAt,
  })
  return c.json(withoutTokens(pair))
}

/**
 * Runs `work`; when it fails with a 401, expires both session cookies on the error answer too (a
 * browser holding cookies the service no longer accepts should drop them), then rethrows.
 */
export async function clearingCookiesOn401<T>(c: Context, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof AppError && error.status === 401) clearSessionCookies(c)
    throw error
  }
}
