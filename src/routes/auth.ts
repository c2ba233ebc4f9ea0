import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import type { ClientReader } from '../http/client.js'
import type { AppEnv } from '../http/app-env.js'
import { bearerToken } from '../http/bearer-token.js'
import { everyAttemptCounts, limitFailures, reserveAttempts } from '../http/middleware/rate-limit.js'
import { limitLogins, setDeviceCookie } from '../http/middleware/password-attempts.js'
import { presentUser } from '../http/present.js'
import { authenticatedByCookie, clearSessionCookies, readAccessCookie, readRefreshCookie, wantsCookieTransport } from '../http/cookies.js'
import { answerTokenPair, clearingCookiesOn401 } from '../http/token-transport.js'
import { readBodyText } from '../http/body.js'
import { jsonBody, parseJson, readJson, validate } from '../http/validate.js'
import type { Services } from '../services/index.js'

const credentials = z.object({
  email: z.email().max(254),
  // Whole strings: never trimmed or normalised. The policy (length in code points) is checked at register.
  password: z.string().min(1).max(1024),
})
const refreshBody = z.object({ refreshToken: z.string().min(1).max(512) })

/** The account a JSON login names, from the (cached) body; null when the body has no usable email. */
async function jsonEmail(c: Context<AppEnv>): Promise<string | null> {
  const body = (await readJson(c).catch(() => null)) as { email?: unknown } | null
  return typeof body?.email === 'string' ? body.email : null
}

/** Sign-up, login, refresh and logout: the services they call, and how requests are read and presented. */
export function authRoutes(
  { accounts, sessions, deviceCookies, limits }: Pick<Services, 'accounts' | 'sessions' | 'deviceCookies' | 'limits'>,
  config: Config,
  client: ClientReader,
) {
  const ip = client.ipKey
  const isUnauthorized = (status: number) => status === 401
  // Every sign-up attempt spends a point, successes too: one address cannot mint accounts (or fill the
  // hash pool) without end. Reserved before the work, so parallel sign-ups cannot outrun it either.
  const limitSignUps = reserveAttempts(everyAttemptCounts, [{ limiter: limits.registerPerIp, key: ip }])
  // The login budgets (see http/middleware/password-attempts.ts); the account is the JSON body's email.
  const limitFailedLogins = limitLogins({ limits, deviceCookies, onRefused: sessions.loginRateLimited }, client, jsonEmail)
  const limitFailedTokens = limitFailures(isUnauthorized, [{ limiter: limits.refreshPerIp, key: ip }])

  return new Hono<AppEnv>()
    .post('/register', limitSignUps, async (c) => {
      const { email, password } = await jsonBody(c, credentials)
      const user = await accounts.register(email, password)
      return c.json({ user: presentUser(user) }, 201)
    })
    .post('/login', limitFailedLogins, async (c) => {
      const { email, password } = await jsonBody(c, credentials)
      const issued = await sessions.login(email, password, client.info(c))
      setDeviceCookie(c, deviceCookies, email)
      return answerTokenPair(c, issued, config, wantsCookieTransport(c) ? 'cookie' : 'bearer')
    })
    .post('/refresh', limitFailedTokens, async (c) => {
      // {refreshToken} in the body, or no body at all: the cookie transport, from the refresh cookie.
      const text = await readBodyText(c)
      // Lazy: only a detected reuse records the client, so a normal rotation parses no UA and does no GeoIP lookup.
      const rotate = (refreshToken: string) => sessions.refresh(refreshToken, () => client.info(c))
      if (text) return answerTokenPair(c, await rotate(validate(refreshBody, parseJson(text)).refreshToken), config, 'bearer')
      const issued = await clearingCookiesOn401(c, async () => {
        const refreshToken = readRefreshCookie(c)
        if (!refreshToken) throw new AppError('invalid_refresh_token', { message: 'Send {"refreshToken"}, or no body and the refresh cookie.' })
        return rotate(refreshToken)
      })
      return answerTokenPair(c, issued, config, 'cookie')
    })
    .post('/logout', limitFailedTokens, async (c) => {
      // The bearer access token, {refreshToken} or the session cookies name the session (RFC 7009: 204 even if already over).
      const text = await readBodyText(c)
      const body = text ? validate(refreshBody, parseJson(text)) : null
      if (authenticatedByCookie(c)) {
        // Cookie transport: whatever the cookies still name ends, and the browser drops them.
        const presented = { accessToken: readAccessCookie(c), refreshToken: body?.refreshToken ?? readRefreshCookie(c) }
        await sessions.logout(presented, client.info(c), { ignoreInvalidAccessToken: true })
        clearSessionCookies(c)
        return c.body(null, 204)
      }
      const accessToken = bearerToken(c)
      if (!accessToken && !body) {
        throw new AppError('invalid_request', { message: 'Send a Bearer access token, {"refreshToken"} or the session cookies.' })
      }
      await sessions.logout({ accessToken, refreshToken: body?.refreshToken ?? null }, client.info(c))
      return c.body(null, 204)
    })
}
