import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { AppError, type EndReason } from '../errors.js'
import { clientFields, type ClientInfo } from '../client-info.js'
import type { Db } from '../stores/db.js'
import { listEvents, type EventCursor, type SecurityEventType } from '../stores/events.js'
import type { EventRecorder } from './events.js'
import type { SecurityEventRow, SessionRow, UserRow } from '../stores/schema.js'
import {
  endAllSessions,
  endSession,
  endSessionsOfUser,
  listOpenSessions,
  setAuthTime,
  tombstoneSessionsOfUser,
} from '../stores/sessions.js'
import { deleteUser, findUserById, setDisabled } from '../stores/users.js'
import { passwordPolicyProblem, type PasswordHasher } from './passwords.js'
import { isWellFormedUnicode } from '../text.js'
import type { RevocationService } from './revocation.js'
import { isSessionActive } from './session-expiry.js'
import type { Auth, IssuedTokens, SessionService } from './sessions.js'

export interface SessionManagementDeps {
  db: Db
  clock: Clock
  config: Pick<Config, 'sessionIdleTimeoutMs' | 'reauthWindowMs' | 'passwordMinLength'>
  passwords: PasswordHasher
  sessions: SessionService
  revocation: RevocationService
  events: EventRecorder
}

export const MAX_EVENT_PAGE = 100

/** What users and operators do with existing sessions: list, end, re-authenticate, change password. */
export function createSessionManagement({ db, clock, config, passwords, sessions, revocation, events }: SessionManagementDeps) {
  const { endThenPublish } = revocation

  /** Sessions last active before this have timed out: they are over, so "not found" to end. */
  const idleCutoff = (at: Date) => new Date(at.getTime() - config.sessionIdleTimeoutMs)

  /** Sudo mode: ending sessions needs a password proof no older than REAUTH_WINDOW. */
  function requireRecentAuth(session: SessionRow) {
    if (clock.now().getTime() - session.authTime.getTime() > config.reauthWindowMs) {
      throw new AppError('reauthentication_required')
    }
  }

  async function checkPassword(userId: string, password: string): Promise<UserRow> {
    const user = await findUserById(db, userId)
    // A malformed password hashes like its U+FFFD twin: it never matches, at the same cost as a wrong one.
    const valid = user && (isWellFormedUnicode(password) ? await passwords.verify(user.passwordHash, password) : await passwords.burnVerify(password))
    if (!user || !valid) throw new AppError('wrong_password')
    return user
  }

  return {
    /** A user's active sessions, most recently active first. */
    async listActive(userId: string): Promise<SessionRow[]> {
      const now = clock.now()
      return (await listOpenSessions(db, userId)).filter((session) => isSessionActive(session, config, now))
    },

    /** Ends one of the caller's other sessions; another user's id is "not found" (no oracle). */
    async revokeOwn(auth: Auth, session: SessionRow, sessionId: string, client: ClientInfo): Promise<void> {
      if (sessionId === auth.sessionId) throw new AppError('cannot_revoke_current_session')
      requireRecentAuth(session)
      const revoked = await endThenPublish(async (tx, at) => {
        // endSession filters on user_id and ended_at IS NULL: the owner check lives in the query.
        const row = await endSession(tx, { id: sessionId, userId: auth.userId, reason: 'revoked', at, activeAfter: idleCutoff(at) })
        if (!row) return []
        await events.record(tx, { userId: auth.userId, type: 'session_revoked', at, sessionId, ...clientFields(client), details: { by: auth.sessionId } })
        return [row.id]
      })
      if (revoked === 0) throw new AppError('session_not_found')
    },

    /** Ends every session of the caller but the current one. */
    async revokeOthers(auth: Auth, session: SessionRow, client: ClientInfo): Promise<number> {
      requireRecentAuth(session)
      return endThenPublish(async (tx, at) => {
        const rows = await endSessionsOfUser(tx, { userId: auth.userId, exceptId: auth.sessionId, reason: 'revoked', at })
        await events.record(tx, {
          userId: auth.userId,
          type: 'sessions_revoked_all',
          at,
          sessionId: auth.sessionId,
          ...clientFields(client),
          details: { revoked: rows.length },
        })
        return rows.map((row) => row.id)
      })
    },

    /** Renews sudo mode for this session after checking the password again. */
    async reauthenticate(auth: Auth, password: string): Promise<Date> {
      await checkPassword(auth.userId, password)
      const now = clock.now()
      await setAuthTime(db, auth.sessionId, now)
      return new Date(now.getTime() + config.reauthWindowMs)
    },

    /**
     * Changes the password, ends every session of the user (the caller's too) and opens a brand-new
     * one, all in one ledger transaction, before the denylist hears of it.
     */
    async changePassword(auth: Auth, currentPassword: string, newPassword: string, client: ClientInfo): Promise<IssuedTokens> {
      const problem = passwordPolicyProblem(newPassword, config.passwordMinLength)
      if (problem) throw new AppError('invalid_request', { details: [{ path: ['newPassword'], message: problem }] })
      const user = await checkPassword(auth.userId, currentPassword)
      const passwordHash = await passwords.hash(newPassword)
      return sessions.openSessionWithNewPassword(user, passwordHash, client)
    },

    /** A page of the user's security events, newest first. */
    async listEvents(userId: string, limit: number, cursor: EventCursor | null): Promise<{ events: SecurityEventRow[]; next: EventCursor | null }> {
      const rows = await listEvents(db, userId, { limit: limit + 1, cursor })
      const events = rows.slice(0, limit)
      const last = events.at(-1)
      return { events, next: rows.length > limit && last ? { at: last.at, id: last.id } : null }
    },

    /** Operator: ends one session of anyone (404 when unknown or already over). */
    async adminRevokeSession(sessionId: string, keyName: string): Promise<void> {
      const revoked = await endThenPublish(async (tx, at) => {
        const row = await endSession(tx, { id: sessionId, reason: 'admin', at, activeAfter: idleCutoff(at) })
        if (!row) return []
        await events.record(tx, { userId: row.userId, type: 'admin_revoked', at, sessionId, details: { key: keyName } })
        return [row.id]
      })
      if (revoked === 0) throw new AppError('session_not_found')
    },

    /** Operator: ends every session of one user, recording `event` (admin_revoked or account_disabled). */
    async adminRevokeUser(userId: string, keyName: string, event: SecurityEventType = 'admin_revoked', reason: EndReason = 'admin'): Promise<number> {
      return endThenPublish(async (tx, at) => {
        const rows = await endSessionsOfUser(tx, { userId, reason, at })
        await events.record(tx, { userId, type: event, at, details: { key: keyName, revoked: rows.length } })
        return rows.map((row) => row.id)
      })
    },

    /** Operator: disables an account (every session ends, `account_disabled`) or enables it again. */
    async adminSetDisabled(userId: string, disabled: boolean, keyName: string): Promise<UserRow> {
      const user = await setDisabled(db, userId, disabled ? clock.now() : null)
      if (!user) throw new AppError('user_not_found')
      if (disabled) await this.adminRevokeUser(userId, keyName, 'account_disabled', 'admin')
      return user
    },

    /** Operator: deletes an account and its sessions; their revocations stay effective (tombstones). */
    async adminDeleteUser(userId: string): Promise<void> {
      let existed = false
      await endThenPublish(async (tx, at) => {
        const rows = await endSessionsOfUser(tx, { userId, reason: 'admin', at })
        await tombstoneSessionsOfUser(tx, userId)
        existed = await deleteUser(tx, userId)
        return rows.map((row) => row.id)
      })
      if (!existed) throw new AppError('user_not_found')
    },

    /** Operator, incident response: ends every session of every user. */
    async adminRevokeEverything(): Promise<number> {
      return endThenPublish((tx, at) => endAllSessions(tx, { reason: 'admin', at }))
    },
  }
}

export type SessionManagement = ReturnType<typeof createSessionManagement>
