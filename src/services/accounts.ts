import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import { describeError, type Logger } from '../logger.js'
import { requestLogger } from '../request-context.js'
import type { Db } from '../stores/db.js'
import type { EventRecorder } from './events.js'
import type { UserRow } from '../stores/schema.js'
import { countUsersByEmailPrefix, findUserByEmail, findUserById, insertUser, searchUsersByEmailPrefix, updatePasswordHash } from '../stores/users.js'
import { clientFields, type ClientInfo } from '../client-info.js'
import { passwordPolicyProblem, type PasswordHasher } from './passwords.js'
import { isWellFormedUnicode } from '../text.js'

export interface AccountDeps {
  db: Db
  clock: Clock
  config: Pick<Config, 'registrationEnabled' | 'passwordMinLength'>
  passwords: PasswordHasher
  events: EventRecorder
  logger: Logger
}

/** Emails match case-insensitively: one account for A@x.io and a@x.io. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

export function createAccountService({ db, clock, config, passwords, events, logger }: AccountDeps) {
  return {
    /** The user with this id, or null. */
    findById(id: string): Promise<UserRow | null> {
      return findUserById(db, id)
    },

    /** The user with this email (any case), or null. */
    findByEmail(email: string): Promise<UserRow | null> {
      return findUserByEmail(db, normaliseEmail(email))
    },

    /**
     * For operators: a page of the users whose email starts with `prefix` (any case), in email order
     * after the email `after`, the email to continue after (null on the last page) and how many match.
     */
    async searchByEmailPrefix(prefix: string, page: { after: string | null; limit: number }): Promise<{ users: UserRow[]; next: string | null; total: number }> {
      const [rows, total] = await Promise.all([
        searchUsersByEmailPrefix(db, { prefix, after: page.after, limit: page.limit + 1 }),
        countUsersByEmailPrefix(db, prefix),
      ])
      const users = rows.slice(0, page.limit)
      return { users, next: rows.length > page.limit ? users.at(-1)!.email : null, total }
    },

    /** Creates an account; refuses weak passwords (400), a taken email (409) or closed sign-up (403). */
    async register(email: string, password: string): Promise<UserRow> {
      if (!config.registrationEnabled) throw new AppError('registration_disabled')
      const problem = passwordPolicyProblem(password, config.passwordMinLength)
      if (problem) {
        throw new AppError('invalid_request', { details: [{ path: ['password'], message: problem }] })
      }
      const normalised = normaliseEmail(email)
      // Cheap pre-check so a taken email does not cost a hash; the unique index still decides races.
      if (await findUserByEmail(db, normalised)) throw new AppError('email_taken')
      const passwordHash = await passwords.hashForSignUp(password)
      const user = await insertUser(db, { id: randomUUID(), email: normalised, passwordHash, at: clock.now() })
      if (!user) throw new AppError('email_taken')
      return user
    },

    /**
     * The user whose password this is. Unknown email, wrong password and disabled account all cost one
     * argon2 verify and throw the same `invalid_credentials`. Rehashes when the parameters changed.
     */
    async checkCredentials(email: string, password: string, client: ClientInfo): Promise<UserRow> {
      const user = await findUserByEmail(db, normaliseEmail(email))
      if (!user) {
        await passwords.burnVerify(password)
        throw new AppError('invalid_credentials')
      }
      // A malformed password hashes like its U+FFFD twin, so it is never compared with the real hash (same cost).
      const valid = isWellFormedUnicode(password) ? await passwords.verify(user.passwordHash, password) : await passwords.burnVerify(password)
      if (!valid || user.disabledAt) {
        await events.record(db, {
          userId: user.id,
          type: 'login_failed',
          at: clock.now(),
          ...clientFields(client),
          details: { reason: valid ? 'account_disabled' : 'wrong_password' },
        })
        throw new AppError('invalid_credentials')
      }
      if (passwords.needsRehash(user.passwordHash)) {
        // Best effort: the login succeeds even if the upgrade has to wait for the next one.
        await passwords
          .hash(password)
          .then((hash) => updatePasswordHash(db, user.id, hash))
          .catch((error: unknown) => requestLogger(logger).warn({ err: describeError(error) }, 'password rehash failed'))
      }
      return user
    },
  }
}

export type AccountService = ReturnType<typeof createAccountService>
