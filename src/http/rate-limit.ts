import type { Context, MiddlewareHandler } from 'hono'
import { AppError } from '../errors.js'
import type { FailureLimiter } from '../services/rate-limits.js'
import type { ClientReader } from './client.js'
import type { AppEnv } from './middleware.js'

export interface FailureRule {
  limiter: FailureLimiter
  /** The key this rule counts under; null skips the rule for this request. */
  key: (c: Context<AppEnv>) => Promise<string | null> | string | null
  /** Forget this key's failures when the request succeeds (consecutive-failure budgets). */
  resetOnSuccess?: boolean
  /** Consult only this instance's memory of blocks (hot paths). */
  localOnly?: boolean
}

/**
 * Refuses a request whose keys are over budget (429 + Retry-After) before any work is done, and
 * counts the response as a failure when `isFailure(status)` says so.
 */
export function limitFailures(isFailure: (status: number) => boolean, rules: FailureRule[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const keys = await Promise.all(rules.map((rule) => rule.key(c)))
    const waits = await Promise.all(
      rules.map((rule, i) => (keys[i] ? rule.limiter.blockedForMs(keys[i]!, { localOnly: rule.localOnly }) : 0)),
    )
    const longest = Math.max(0, ...waits)
    if (longest > 0) throw new AppError('rate_limited', { retryAfterSeconds: Math.max(1, Math.ceil(longest / 1000)) })

    // Inside `every(...)` or similar combinators an error may arrive thrown rather than rendered.
    let thrown: unknown = null
    try {
      await next()
    } catch (error) {
      thrown = error
    }
    const status = thrown ? (thrown instanceof AppError ? thrown.status : 500) : c.res.status
    const failed = isFailure(status)
    const succeeded = status < 400
    await Promise.all(
      rules.map(async (rule, i) => {
        const key = keys[i]
        if (!key) return
        if (failed) await rule.limiter.fail(key)
        else if (succeeded && rule.resetOnSuccess) await rule.limiter.reset(key)
      }),
    )
    if (thrown) throw thrown
  }
}

/** 401s from one IP count against `limiter`: failed client, admin or metrics authentication. */
export function limitFailedAuthPerIp(limiter: FailureLimiter, client: ClientReader, options: { localOnly?: boolean } = {}) {
  return limitFailures((status) => status === 401, [{ limiter, key: client.ipKey, localOnly: options.localOnly }])
}
