import { Hono, type Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { z } from 'zod'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import type { ClientReader } from '../http/client.js'
import type { AppEnv } from '../http/app-env.js'
import { bearerToken } from '../http/bearer-token.js'
import { everyAttemptCounts, failuresAre, limitFailures, reserveAttempts } from '../http/middleware/rate-limit.js'
import { accountKey } from '../services/rate-limits.js'
import { DEVICE_COOKIE_MAX_AGE_S, DEVICE_COOKIE_NAME } from '../services/device-cookies.js'
import { presentTokenPair, presentUser } from '../http/present.js'
import { readBodyText } from '../http/body.js'
import { jsonBody, parseJson, readJson, validate } from '../http/validate.js'
import type { Services } from '../services/index.js'

const credentials = z.object({
  email: z.email().max(254),
  // Whole strings: never trimmed or normalised. The policy (length in code points) is checked at register.
  password: z.string().min(1).max(1024),
})
const refreshBody = z.object({ refreshToken: z.string().min(1).max(512) })

/** Sign-up, login, refresh and logout: the services they call, and how requests are read and presented. */
export function authRoutes(
  { accounts, sessions, deviceCookies, limits }: Pick<Services, 'accounts' | 'sessions' | 'deviceCookies' | 'limits'>,
  config: Config,
  client: ClientReader,
) {
  const ip = client.ipKey
  /** The account a login names, from the (cached) body; null when the body has no usable email. */
  const account = async (c: Context<AppEnv>) => {
    const body = (await readJson(c).catch(() => null)) as { email?: unknown } | null
    return typeof body?.email === 'string' ? accountKey(body.email) : null
  }
  const accountAndIp = async (c: Context<AppEnv>) => {
    const key = await account(c)
    return key ? `${key}:${ip(c)}` : null
  }
  /** The device a login comes from, when it presents a valid device cookie for the account it names. */
  const knownDevice = async (c: Context<AppEnv>) => {
    const key = await account(c)
    const device = key ? deviceCookies.verify(key, getCookie(c, DEVICE_COOKIE_NAME, 'host')) : null
    return device ? `${key}:${device}` : null
  }
  const isUnauthorized = (status: number) => status === 401
  // Every sign-up attempt spends a point, successes too: one address cannot mint accounts (or fill the
  // hash pool) without end. Reserved before the work, so parallel sign-ups cannot outrun it either.
  const limitSignUps = reserveAttempts(everyAttemptCounts, [{ limiter: limits.registerPerIp, key: ip }])
  // A password check is slow (argon2id) and answers a guess: every login reserves its points first.
  // A known device (OWASP's device cookie) is judged by its own budget only, so failures an attacker
  // piles onto the account or an IP never lock out the owner's own browsers; unknown clients (and a
  // device whose budget is spent) get the account and IP budgets.
  const limitFailedLogins = reserveAttempts(
    failuresAre(401),
    [
      { limiter: limits.loginPerIp, key: ip },
      { limiter: limits.loginPerAccountAndIp, key: accountAndIp, resetOnSuccess: true },
      { limiter: limits.loginPerAccount, key: account },
    ],
    {
      knownClient: { limiter: limits.loginPerDevice, key: knownDevice, resetOnSuccess: true },
      // Counted with the logins the service saw (sessiond_logins_total{result="rate_limited"}).
      onRefused: sessions.loginRateLimited,
    },
  )
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
      // A fresh device cookie on every successful login: this client is known from now on.
      setCookie(c, DEVICE_COOKIE_NAME, deviceCookies.issue(accountKey(email)), {
        prefix: 'host',
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Strict',
        maxAge: DEVICE_COOKIE_MAX_AGE_S,
      })
      return c.json(presentTokenPair(issued, config))
    })
    .post('/refresh', limitFailedTokens, async (c) => {
      const { refreshToken } = await jsonBody(c, refreshBody)
      // Lazy: only a detected reuse records the client, so a normal rotation parses no UA and does no GeoIP lookup.
      const issued = await sessions.refresh(refreshToken, () => client.info(c))
      return c.json(presentTokenPair(issued, config))
    })
    .post('/logout', limitFailedTokens, async (c) => {
      // Either the bearer access token or {refreshToken} names the session (RFC 7009: 204 even if already over).
      const accessToken = bearerToken(c)
      const text = await readBodyText(c)
      const body = text ? validate(refreshBody, parseJson(text)) : null
      if (!accessToken && !body) {
        throw new AppError('invalid_request', { message: 'Send a Bearer access token or {"refreshToken"}.' })
      }
      await sessions.logout({ accessToken, refreshToken: body?.refreshToken ?? null }, client.info(c))
      return c.body(null, 204)
    })
}
