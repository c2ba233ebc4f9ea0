import type { Context, MiddlewareHandler } from 'hono'
import { AppError } from '../../errors.js'
import { PoolFullError } from '../../services/hash-queue.js'
import type { Admission, FailureLimiter, Outcome, Reservation } from '../../services/rate-limits.js'
import type { AppEnv } from '../app-env.js'
import type { ClientReader } from '../client.js'

export interface FailureRule {
  limiter: FailureLimiter
  /** The key this rule counts under; null skips the rule for this request. */
  key: (c: Context<AppEnv>) => Promise<string | null> | string | null
  /** Forget this key's failures when the request succeeds (consecutive-failure budgets). */
  resetOnSuccess?: boolean
  /** Consult only this instance's memory of blocks (hot paths; `limitFailures` only). */
  localOnly?: boolean
}

/** How a finished request settles its reservations, from its status and the error it ended with. */
export type Judge = (status: number, error: unknown) => 'failure' | 'success' | 'void'

/**
 * Wrong guesses (`statuses`) keep their point, and so does an attempt the busy password-hash pool
 * turned away (503), so a flood spends its own budget; a success gives it back; anything else (a
 * malformed request, a dependency outage) was never judged and is void. The error's own status
 * judges when there is one: a hosted page shows a wrong password as its form again (200, so the
 * browser reports no failed load), and that is still a wrong guess.
 */
export function failuresAre(...statuses: number[]): Judge {
  return (status, error) => {
    const judged = error instanceof AppError ? error.status : status
    if (statuses.includes(judged) || error instanceof PoolFullError) return 'failure'
    return judged < 400 ? 'success' : 'void'
  }
}

/** Every attempt keeps its point, whatever its answer (budgets of attempts, not of failures). */
export const everyAttemptCounts: Judge = () => 'failure'

const rateLimited = (ms: number) => new AppError('rate_limited', { retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) })

/** Runs the rest of the chain and reports how it ended, whether the error was thrown or already rendered. */
async function runAndJudge(c: Context<AppEnv>, next: () => Promise<void>) {
  // Inside `every(...)` or similar combinators an error may arrive thrown rather than rendered.
  let thrown: unknown = null
  try {
    await next()
  } catch (error) {
    thrown = error
  }
  const error = thrown ?? c.error ?? null
  const status = thrown ? (thrown instanceof AppError ? thrown.status : 500) : c.res.status
  return { thrown, error, status }
}

interface Admitted {
  rule: FailureRule
  reservation: Reservation
}

/** Reserves a point under every rule with a key; all or none (the points of a refused set go back). */
async function reserveAll(c: Context<AppEnv>, rules: FailureRule[]): Promise<{ admitted: Admitted[] } | { retryAfterMs: number }> {
  const keys = await Promise.all(rules.map((rule) => rule.key(c)))
  const answers = await Promise.all(
    rules.map(async (rule, i): Promise<Admission | null> => (keys[i] ? rule.limiter.reserve(keys[i]!) : null)),
  )
  const admitted: Admitted[] = []
  let retryAfterMs = 0
  answers.forEach((answer, i) => {
    if (!answer) return
    if (answer.ok) admitted.push({ rule: rules[i]!, reservation: answer.reservation })
    else retryAfterMs = Math.max(retryAfterMs, answer.retryAfterMs)
  })
  if (retryAfterMs === 0) return { admitted }
  await Promise.all(admitted.map(({ rule, reservation }) => rule.limiter.settle(reservation, 'void')))
  return { retryAfterMs }
}

/**
 * For attempts whose work is slow or reveals a secret (a password checked with argon2id): each one
 * takes a point of every budget *before* any work is done, atomically across instances, so parallel
 * attempts cannot outrun a budget (those beyond it get 429 + Retry-After at once). How the request
 * ends settles the points (see `Judge`).
 *
 * `knownClient` (a login from a recognised device) is judged by its own rule alone when it has a key
 * and that budget admits it; otherwise, or once its budget is spent, the client is unknown and `rules`
 * apply. `onRefused` hears of every attempt turned away with 429 (the work it guards never sees them).
 */
export function reserveAttempts(
  judge: Judge,
  rules: FailureRule[],
  options: { knownClient?: FailureRule; onRefused?: () => void } = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let admitted: Admitted[] | null = null
    if (options.knownClient) {
      const known = await reserveAll(c, [options.knownClient])
      if ('admitted' in known && known.admitted.length > 0) admitted = known.admitted
    }
    if (!admitted) {
      const unknown = await reserveAll(c, rules)
      if ('retryAfterMs' in unknown) {
        options.onRefused?.()
        throw rateLimited(unknown.retryAfterMs)
      }
      admitted = unknown.admitted
    }

    const { thrown, error, status } = await runAndJudge(c, next)
    const verdict = judge(status, error)
    await Promise.all(
      admitted.map(({ rule, reservation }) => {
        const outcome: Outcome = verdict === 'success' && rule.resetOnSuccess ? 'reset' : verdict
        return rule.limiter.settle(reservation, outcome)
      }),
    )
    if (thrown) throw thrown
  }
}

/**
 * For cheap checks (a client secret, an admin key, a refresh token): refuses a request whose keys are
 * locked (429 + Retry-After) before any work is done, and counts a response that `isFailure` names
 * atomically: a failure within the budget is answered as it is, one beyond it (parallel guesses that
 * all passed the first check) is answered 429 instead.
 */
export function limitFailures(isFailure: (status: number) => boolean, rules: FailureRule[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const keys = await Promise.all(rules.map((rule) => rule.key(c)))
    const waits = await Promise.all(
      rules.map((rule, i) => (keys[i] ? rule.limiter.blockedForMs(keys[i]!, { localOnly: rule.localOnly }) : 0)),
    )
    const longest = Math.max(0, ...waits)
    if (longest > 0) throw rateLimited(longest)

    const { thrown, status } = await runAndJudge(c, next)
    const failed = isFailure(status)
    const succeeded = status < 400
    const overBy = await Promise.all(
      rules.map(async (rule, i) => {
        const key = keys[i]
        if (!key) return 0
        if (failed) return rule.limiter.fail(key)
        if (succeeded && rule.resetOnSuccess) await rule.limiter.reset(key)
        return 0
      }),
    )
    const wait = Math.max(0, ...overBy)
    if (wait > 0) throw rateLimited(wait)
    if (thrown) throw thrown
  }
}

/** 401s from one IP count against `limiter`: failed client, admin or metrics authentication. */
export function limitFailedAuthPerIp(limiter: FailureLimiter, client: ClientReader, options: { localOnly?: boolean } = {}) {
  return limitFailures((status) => status === 401, [{ limiter, key: client.ipKey, localOnly: options.localOnly }])
}
