import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { DEVICE_COOKIE_MAX_AGE_S, DEVICE_COOKIE_NAME, type DeviceCookies } from '../../services/device-cookies.js'
import { accountKey, type FailureLimiter, type LimitName } from '../../services/rate-limits.js'
import type { AppEnv } from '../app-env.js'
import type { ClientReader } from '../client.js'
import { failuresAre, reserveAttempts } from './rate-limit.js'

/**
 * The budgets of password checks, one definition for every door that checks a password: the JSON
 * API (`/login`, `/me/reauthenticate`, `/me/password`) and the hosted account pages. Each door only
 * says how it reads the email (JSON or form body) and what status a wrong password answers.
 */

/** The email a login names, from the request body; null when the body has none. */
export type EmailReader = (c: Context<AppEnv>) => Promise<string | null>

export interface LoginLimitDeps {
  limits: Pick<Record<LimitName, FailureLimiter>, 'loginPerIp' | 'loginPerAccountAndIp' | 'loginPerAccount' | 'loginPerDevice'>
  deviceCookies: DeviceCookies
  /** Hears of every login the budgets refuse (sessions.loginRateLimited). */
  onRefused: () => void
}

/**
 * A password check is slow (argon2id) and answers a guess: every login reserves its points first.
 * A known device (OWASP's device cookie) is judged by its own budget only, so failures an attacker
 * piles onto the account or an IP never lock out the owner's own browsers; unknown clients (and a
 * device whose budget is spent) get the account and IP budgets. A wrong password answers 401.
 */
export function limitLogins({ limits, deviceCookies, onRefused }: LoginLimitDeps, client: ClientReader, email: EmailReader): MiddlewareHandler<AppEnv> {
  const ip = client.ipKey
  const account = async (c: Context<AppEnv>) => {
    const named = await email(c)
    return named ? accountKey(named) : null
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
  return reserveAttempts(
    failuresAre(401),
    [
      { limiter: limits.loginPerIp, key: ip },
      { limiter: limits.loginPerAccountAndIp, key: accountAndIp, resetOnSuccess: true },
      { limiter: limits.loginPerAccount, key: account },
    ],
    // Counted with the logins the service saw (sessiond_logins_total{result="rate_limited"}).
    { knownClient: { limiter: limits.loginPerDevice, key: knownDevice, resetOnSuccess: true }, onRefused },
  )
}

/** A fresh device cookie on every successful login: this client is known from now on. */
export function setDeviceCookie(c: Context, deviceCookies: DeviceCookies, email: string): void {
  setCookie(c, DEVICE_COOKIE_NAME, deviceCookies.issue(accountKey(email)), {
    prefix: 'host',
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'Strict',
    maxAge: DEVICE_COOKIE_MAX_AGE_S,
  })
}

/**
 * Wrong passwords re-typed by a signed-in user (`c.var.auth` is set, or `accountOf` says who): per account, and per IP like
 * failed logins. Points are reserved before the argon2id check, so a stolen session cannot guess in
 * parallel. A wrong password answers 403. `applies` (default: always) skips both budgets for a
 * request that carries no password to check.
 */
export function limitPasswordRetries(
  limits: Pick<Record<LimitName, FailureLimiter>, 'passwordPerAccount' | 'loginPerIp'>,
  client: ClientReader,
  applies: (c: Context<AppEnv>) => Promise<boolean> | boolean = () => true,
  /** Whose password it is (default: the signed-in user's; the console names its admin). */
  accountOf: (c: Context<AppEnv>) => string = (c) => c.var.auth.userId,
): MiddlewareHandler<AppEnv> {
  const when = (key: (c: Context<AppEnv>) => string) => async (c: Context<AppEnv>) => ((await applies(c)) ? key(c) : null)
  return reserveAttempts(failuresAre(403), [
    { limiter: limits.passwordPerAccount, key: when(accountOf) },
    { limiter: limits.loginPerIp, key: when(client.ipKey) },
  ])
}
