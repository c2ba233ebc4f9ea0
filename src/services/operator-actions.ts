import type { Config } from '../config.js'
import { AppError, type EndReason } from '../errors.js'
import type { Tx } from '../stores/db.js'
import type { SecurityEventType } from '../stores/events.js'
import type { AuditLog, OperatorCall } from './audit.js'
import type { EventRecorder } from './events.js'
import type { SessionKind, UserRow } from '../stores/schema.js'
import { endAllSessions, endSession, endSessionsOfUser, tombstoneSessionsOfUser } from '../stores/sessions.js'
import { deleteUser, setAdmin, setDisabled } from '../stores/users.js'
import type { RevocationService, Revocations } from './revocation.js'
import { idleCutoff } from './session-expiry.js'

export interface OperatorActionsDeps {
  config: Pick<Config, 'sessionIdleTimeoutMs' | 'consoleIdleTimeoutMs'>
  revocation: RevocationService
  events: EventRecorder
  audit: AuditLog
}

/**
 * What the user's security event says about the operator: the key fingerprint (or `cli`), or the
 * console admin's user id, and the operator's note when there is one.
 */
function eventDetails(call: OperatorCall): Record<string, unknown> {
  const by = call.actor.type === 'api_key' ? { key: call.actor.id } : { admin: call.actor.id }
  return call.reason ? { ...by, reasonNote: call.reason } : by
}

/**
 * What operators do to anyone's sessions and accounts: the admin API (actor: the key), the console
 * (actor: the admin) and `npm run admin` (actor: `cli`). Each action takes an OperatorCall: the
 * change, the user's security event (naming the operator, with the note) and the audit entry are one
 * transaction. A user's own actions are in services/my-account.ts.
 */
export function createOperatorActions({ config, revocation, events, audit }: OperatorActionsDeps) {
  const { endThenPublish } = revocation

  /**
   * Ends the open sessions of one user (or only those of `kind`) with `reason` and the operator's
   * note, recording `event` (when `always` or something ended) in the caller's transaction.
   */
  async function endSessionsOfUserFor(
    tx: Tx,
    at: Date,
    call: OperatorCall,
    end: { userId: string; event: SecurityEventType; reason: EndReason; kind?: SessionKind; always: boolean },
  ): Promise<Revocations> {
    const rows = await endSessionsOfUser(tx, { userId: end.userId, kind: end.kind, reason: end.reason, at, reasonNote: call.reason ?? null })
    if (end.always || rows.length > 0) {
      await events.record(tx, { userId: end.userId, type: end.event, at, details: { ...eventDetails(call), revoked: rows.length } })
    }
    return { ended: rows }
  }

  /** Grants or revokes the admin role; revoking ends the account's console sessions. */
  async function setRole(userId: string, isAdmin: boolean, call: OperatorCall): Promise<UserRow> {
    let user: UserRow | null = null
    await endThenPublish(async (tx, at) => {
      user = await setAdmin(tx, userId, isAdmin)
      if (!user) return { ended: [] }
      await audit.record(tx, at, call, isAdmin ? 'grant_admin' : 'revoke_admin', { userId })
      if (isAdmin) return { ended: [] }
      return endSessionsOfUserFor(tx, at, call, { userId, event: 'admin_revoked', reason: 'admin', kind: 'console', always: false })
    })
    if (!user) throw new AppError('user_not_found')
    return user
  }

  return {
    /** Ends one session of anyone (404 when unknown or already over). */
    async revokeSession(sessionId: string, call: OperatorCall): Promise<void> {
      const revoked = await endThenPublish(async (tx, at) => {
        const row = await endSession(tx, { id: sessionId, reason: 'admin', at, activeAfter: idleCutoff(at, config), reasonNote: call.reason ?? null })
        if (!row) return { ended: [] }
        await events.record(tx, { userId: row.userId, type: 'admin_revoked', at, sessionId, details: eventDetails(call) })
        await audit.record(tx, at, call, 'revoke_session', { userId: row.userId, sessionId })
        return { ended: [row] }
      })
      if (revoked === 0) throw new AppError('session_not_found')
    },

    /** Ends every session of one user (`admin_revoked`). The caller has checked that the user exists. */
    revokeUser(userId: string, call: OperatorCall): Promise<number> {
      return endThenPublish(async (tx, at) => {
        await audit.record(tx, at, call, 'revoke_user_sessions', { userId })
        return endSessionsOfUserFor(tx, at, call, { userId, event: 'admin_revoked', reason: 'admin', always: true })
      })
    },

    /** Disables an account (every session ends, `account_disabled`) or enables it again. */
    async setDisabled(userId: string, disabled: boolean, call: OperatorCall): Promise<UserRow> {
      let user: UserRow | null = null
      await endThenPublish(async (tx, at) => {
        user = await setDisabled(tx, userId, disabled ? at : null)
        if (!user) return { ended: [] }
        await audit.record(tx, at, call, disabled ? 'disable_user' : 'enable_user', { userId })
        if (!disabled) return { ended: [] }
        return endSessionsOfUserFor(tx, at, call, { userId, event: 'account_disabled', reason: 'account_disabled', always: true })
      })
      if (!user) throw new AppError('user_not_found')
      return user
    },

    /** Deletes an account and its sessions; their revocations stay effective (tombstones). */
    async deleteUser(userId: string, call: OperatorCall): Promise<void> {
      let existed = false
      await endThenPublish(async (tx, at) => {
        const rows = await endSessionsOfUser(tx, { userId, reason: 'admin', at, reasonNote: call.reason ?? null })
        await tombstoneSessionsOfUser(tx, userId)
        existed = await deleteUser(tx, userId)
        // The entry outlives the account: the audit log has no foreign key to users.
        if (existed) await audit.record(tx, at, call, 'delete_user', { userId })
        return { ended: rows }
      })
      if (!existed) throw new AppError('user_not_found')
    },

    /**
     * Incident response: ends every session of every user, but `spare` (the console session of the
     * admin who asks, so they can go on working: its credential is opaque, not a signed token).
     */
    async revokeEverything(call: OperatorCall, spare: string | null = null): Promise<number> {
      return endThenPublish(async (tx, at) => {
        await audit.record(tx, at, call, 'revoke_all_sessions')
        // One `revoked_all` entry (an iat cutoff) rather than one per session: the stream stays small.
        // The spared console session holds no access token, so the cutoff does not concern it.
        return { ended: await endAllSessions(tx, { reason: 'admin', at, reasonNote: call.reason ?? null, except: spare }), all: true }
      })
    },

    /** Grants the admin role (the account may then sign in to the console). */
    grantAdmin(userId: string, call: OperatorCall): Promise<UserRow> {
      return setRole(userId, true, call)
    },

    /** Revokes the admin role and ends the account's console sessions at once. */
    revokeAdmin(userId: string, call: OperatorCall): Promise<UserRow> {
      return setRole(userId, false, call)
    },
  }
}

export type OperatorActions = ReturnType<typeof createOperatorActions>
