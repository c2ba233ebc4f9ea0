import argon2 from 'argon2'
import { randomBytes } from 'node:crypto'
import { dictionary } from '@zxcvbn-ts/language-common'
import type { Argon2Params } from '../config.js'
import { createConcurrencyLimiter } from './hash-queue.js'

export const PASSWORD_MAX_CODE_POINTS = 256
const COMMON_PASSWORD_COUNT = 10_000

// zxcvbn-ts ships its list ranked by frequency: the first 10,000 are the most common passwords.
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  (dictionary['passwords-common'] as string[]).slice(0, COMMON_PASSWORD_COUNT).map((word) => word.toLowerCase()),
)

/** Why a password is refused, as a sentence for `details`; null when it is acceptable. */
export function passwordPolicyProblem(password: string, minLength: number): string | null {
  // A lone UTF-16 surrogate (from a JSON "\ud800" escape) is hashed as U+FFFD: "\ud800" would be "\udfff".
  if (/\p{Surrogate}/u.test(password)) return 'Password must be well-formed Unicode (no lone surrogates).'
  // Length counts code points, so "🔑" is one character, not two UTF-16 units.
  const length = [...password].length
  if (length < minLength) return `Password must be at least ${minLength} characters.`
  if (length > PASSWORD_MAX_CODE_POINTS) return `Password must be at most ${PASSWORD_MAX_CODE_POINTS} characters.`
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return 'Password is too common.'
  return null
}

export interface PasswordHasherOptions {
  params: Argon2Params
  concurrency: number
  queueLimit: number
}

/**
 * argon2id at pinned parameters, behind a cap on concurrent hashes. Passwords are used whole.
 * Sign-up hashes have a lane of their own: at most half the pool (at least one slot), their own queue,
 * and a freed slot goes to a waiting login first, so a sign-up flood cannot starve logins.
 */
export function createPasswordHasher({ params, concurrency, queueLimit }: PasswordHasherOptions) {
  const limiter = createConcurrencyLimiter(concurrency, queueLimit, { concurrency: Math.max(1, Math.floor(concurrency / 2)), queueLimit })
  const options = {
    type: argon2.argon2id,
    memoryCost: params.memoryKib,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  } as const
  let dummyHash: Promise<string> | null = null

  const hasher = {
    hash(password: string): Promise<string> {
      return limiter.run(() => argon2.hash(password, options))
    },
    /** The hash of a new account's password, in the sign-up lane. */
    hashForSignUp(password: string): Promise<string> {
      return limiter.runSecondary(() => argon2.hash(password, options))
    },
    async verify(hash: string, password: string): Promise<boolean> {
      return limiter.run(async () => {
        try {
          return await argon2.verify(hash, password)
        } catch {
          return false // a corrupt stored hash never lets anyone in
        }
      })
    },
    /** True when the hash was made with other parameters than the configured ones. */
    needsRehash(hash: string): boolean {
      return argon2.needsRehash(hash, options)
    },
    /**
     * Verifies against a hash of a random secret: an unknown email costs the same as a wrong password,
     * so response time does not reveal which accounts exist.
     */
    async burnVerify(password: string): Promise<false> {
      dummyHash ??= argon2.hash(randomBytes(24).toString('base64'), options)
      await hasher.verify(await dummyHash, password)
      return false
    },
  }
  return hasher
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>
