import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { AppError, type EndReason } from '../errors.js'
import { clientFields, type ClientInfo } from '../client-info.js'
import type { Db } from '../stores/db.js'
import { listEvents, type EventCursor } from '../stores/events.js'
import { pageOf } from '../stores/paging.js'
import type { EventRecorder } from './events.js'
import type { SecurityEventRow, SessionRow, UserRow } from '../stores/schema.js'
import { endSession, endSessionsOfUser, listEndedSessions, setAuthTime } from '../stores/sessions.js'
import { findUserById } from '../stores/users.js'
import { passwordPolicyProblem, type PasswordHasher } from './passwords.js'
import { isWellFormedUnicode } from '../text.js'
import type { RevocationService } from './revocation.js'
import { idleCutoff, sessionExpiresAt } from './session-expiry.js'
import type { Auth, IssuedTokens, SessionService } from './sessions.js'

export interface MyAccountDeps {
  db: Db
  clock: Clock
  config: Pick<Config, 'sessionIdleTimeoutMs' | 'consoleIdleTimeoutMs' | 'reauthWindowMs' | 'passwordMinLength' | 'sessionRetentionMs'>
  passwords: PasswordHasher
  sessions: SessionService
  revocation: RevocationService
  events: EventRecorder
}

export const MAX_EVENT_PAGE = 100
/** At most this many ended sessions are listed (the most recently ended). */
export const MAX_ENDED_SESSIONS = 100

/** Why a session is over: what the ledger recorded, or `expired` when it timed out first. */
export type EndedReason = EndReason | 'expired'

/** A session that is over, with when and why. `reasonNote` is the operator's note (`admin`, `account_disabled`). */
export interface EndedSession {
  session: SessionRow
  endedAt: Date
  endReason: EndedReason
  reasonNote: string | null
}

/**
 * What a signed-in user does with their own account: end their other sessions, re-authenticate,
 * change their password, read their security events. (Operators have services/operator-actions.ts.)
 */
export function createMyAccount({ db, clock, config, passwords, sessions, revocation, events }: MyAccountDeps) {
  const { endThenPublish } = revocation

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
    /** Ends one of the caller's other sessions; another user's id is "not found" (no oracle). */
    async revokeOwn(auth: Auth, session: SessionRow, sessionId: string, client: ClientInfo): Promise<void> {
      if (sessionId === auth.sessionId) throw new AppError('cannot_revoke_current_session')
      requireRecentAuth(session)
      const revoked = await endThenPublish(async (tx, at) => {
        // endSession filters on user_id and ended_at IS NULL: the owner check lives in the query.
        const row = await endSession(tx, { id: sessionId, userId: auth.userId, reason: 'revoked', at, activeAfter: idleCutoff(at, config) })
        if (!row) return { ended: [] }
        await events.record(tx, { userId: auth.userId, type: 'session_revoked', at, sessionId, ...clientFields(client), details: { by: auth.sessionId } })
        return { ended: [row] }
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
        return { ended: rows }
      })
    },

    /** Renews sudo mode for this session (an ordinary or a console one) after checking the password again. */
    async reauthenticate(auth: Pick<Auth, 'userId' | 'sessionId'>, password: string): Promise<Date> {
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

    /**
     * The user's sessions that ended within SESSION_RETENTION, most recently ended first. A session
     * that timed out (idle or absolute end) before anything ended it is `expired`, dated by its expiry,
     * also when a later bulk end (a password change…) stamped the already-dead row.
     */
    async listEnded(userId: string): Promise<EndedSession[]> {
      const now = clock.now()
      const since = new Date(now.getTime() - config.sessionRetentionMs)
      const { ended, timedOut } = await listEndedSessions(db, { userId, since, now, idleCutoff: idleCutoff(now, config), limit: MAX_ENDED_SESSIONS })
      return [...ended, ...timedOut]
        .map((session): EndedSession => {
          const expiredAt = sessionExpiresAt(session, config)
          if (session.endedAt === null || expiredAt.getTime() <= session.endedAt.getTime()) {
            return { session, endedAt: expiredAt, endReason: 'expired', reasonNote: null }
          }
          const endReason = session.endReason ?? 'revoked'
          return { session, endedAt: session.endedAt, endReason, reasonNote: session.reasonNote }
        })
        .filter((entry) => entry.endedAt.getTime() > since.getTime())
        .sort((a, b) => b.endedAt.getTime() - a.endedAt.getTime())
        .slice(0, MAX_ENDED_SESSIONS)
    },

    /** A page of the user's security events, newest first. */
    async listEvents(userId: string, limit: number, cursor: EventCursor | null): Promise<{ events: SecurityEventRow[]; next: EventCursor | null }> {
      const page = pageOf(await listEvents(db, userId, { limit: limit + 1, cursor }), limit)
      return { events: page.rows, next: page.next }
    },
  }
}

export type MyAccount = ReturnType<typeof createMyAccount>
