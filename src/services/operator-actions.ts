import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { AppError, type EndReason } from '../errors.js'
import type { Db } from '../stores/db.js'
import type { SecurityEventType } from '../stores/events.js'
import type { EventRecorder } from './events.js'
import type { UserRow } from '../stores/schema.js'
import { endAllSessions, endSession, endSessionsOfUser, tombstoneSessionsOfUser } from '../stores/sessions.js'
import { deleteUser, setDisabled } from '../stores/users.js'
import type { RevocationService } from './revocation.js'
import { idleCutoff } from './session-expiry.js'

export interface OperatorActionsDeps {
  db: Db
  clock: Clock
  config: Pick<Config, 'sessionIdleTimeoutMs' | 'consoleIdleTimeoutMs'>
  revocation: RevocationService
  events: EventRecorder
}

/**
 * What operators do to anyone's sessions and accounts (the admin API and `npm run admin`). Every
 * action names the key (or tool) that did it in its security event. A user's own actions are in
 * services/my-account.ts.
 */
export function createOperatorActions({ db, clock, config, revocation, events }: OperatorActionsDeps) {
  const { endThenPublish } = revocation

  /** Ends every session of one user with `reason`, recording `event` with the operator's key name. */
  function endSessionsOfUserFor(userId: string, keyName: string, event: SecurityEventType, reason: EndReason): Promise<number> {
    return endThenPublish(async (tx, at) => {
      const rows = await endSessionsOfUser(tx, { userId, reason, at })
      await events.record(tx, { userId, type: event, at, details: { key: keyName, revoked: rows.length } })
      return rows.map((row) => row.id)
    })
  }

  return {
    /** Ends one session of anyone (404 when unknown or already over). */
    async revokeSession(sessionId: string, keyName: string): Promise<void> {
      const revoked = await endThenPublish(async (tx, at) => {
        const row = await endSession(tx, { id: sessionId, reason: 'admin', at, activeAfter: idleCutoff(at, config) })
        if (!row) return []
        await events.record(tx, { userId: row.userId, type: 'admin_revoked', at, sessionId, details: { key: keyName } })
        return [row.id]
      })
      if (revoked === 0) throw new AppError('session_not_found')
    },

    /** Ends every session of one user (`admin_revoked`). */
    revokeUser(userId: string, keyName: string): Promise<number> {
      return endSessionsOfUserFor(userId, keyName, 'admin_revoked', 'admin')
    },

    /** Disables an account (every session ends, `account_disabled`) or enables it again. */
    async setDisabled(userId: string, disabled: boolean, keyName: string): Promise<UserRow> {
      const user = await setDisabled(db, userId, disabled ? clock.now() : null)
      if (!user) throw new AppError('user_not_found')
      if (disabled) await endSessionsOfUserFor(userId, keyName, 'account_disabled', 'account_disabled')
      return user
    },

    /** Deletes an account and its sessions; their revocations stay effective (tombstones). */
    async deleteUser(userId: string): Promise<void> {
      let existed = false
      await endThenPublish(async (tx, at) => {
        const rows = await endSessionsOfUser(tx, { userId, reason: 'admin', at })
        await tombstoneSessionsOfUser(tx, userId)
        existed = await deleteUser(tx, userId)
        return rows.map((row) => row.id)
      })
      if (!existed) throw new AppError('user_not_found')
    },

    /** Incident response: ends every session of every user. */
    async revokeEverything(): Promise<number> {
      return endThenPublish((tx, at) => endAllSessions(tx, { reason: 'admin', at }))
    },
  }
}

export type OperatorActions = ReturnType<typeof createOperatorActions>
