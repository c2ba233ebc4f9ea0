import type { EndedReason } from '../services/my-account.js'
import type { AuditAction, SecurityEventRow } from '../stores/schema.js'

/**
 * What the ledger's codes mean, in the plain words the account pages use. Every value here is our
 * own text; the only recorded values mixed in are device labels (built from recognised names only)
 * and counts, and hono/jsx renders all of it as text anyway.
 */

/** Why a session ended, completing "Ended …: ‹reason›". */
export function endedReasonWords(reason: EndedReason, note: string | null): string {
  switch (reason) {
    case 'logout':
      return 'signed out'
    case 'revoked':
      return 'signed out from another device'
    case 'evicted':
      return 'replaced by a newer sign-in (session limit)'
    case 'reuse_detected':
      return 'ended because its refresh token was used twice'
    case 'admin':
      return note ? `signed out by an administrator: ${note}` : 'signed out by an administrator'
    case 'account_disabled':
      return 'ended because an administrator disabled the account'
    case 'password_changed':
      return 'password changed'
    case 'expired':
      return 'expired'
  }
}

/** Why the session this browser had is over, for the sign-in page it lands on. */
export function endedHereWords(reason: EndedReason): string {
  switch (reason) {
    case 'revoked':
      return 'This device was signed out from another device. Sign in again to continue.'
    case 'reuse_detected':
      return 'Your session was ended to protect your account: its refresh token was used twice. Sign in again to continue.'
    case 'password_changed':
      return 'Your password was changed, so this device was signed out. Sign in with the new password.'
    case 'evicted':
      return 'This session was replaced by a newer sign-in (session limit). Sign in again to continue.'
    case 'admin':
    case 'account_disabled':
      return 'An administrator signed you out.'
    case 'logout':
      return 'You are signed out.'
    case 'expired':
      return 'Your session expired. Sign in again to continue.'
  }
}

const count = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null)
const sessionsWord = (n: number) => `${n} ${n === 1 ? 'session' : 'sessions'}`

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null)

/**
 * One security event as a sentence: "Signed in from a new device or location". `subject` is the
 * device label of the session the event is about, when it is not the one that acted (a session
 * signed out from elsewhere), if the page still knows it.
 */
export function eventWords(event: Pick<SecurityEventRow, 'type' | 'details'>, subject: string | null = null): string {
  const details = event.details ?? {}
  const note = text(details.reasonNote)
  const byAdmin = (words: string) => (note ? `${words}: ${note}` : words)
  switch (event.type) {
    case 'login':
      return 'Signed in'
    case 'login_failed':
      return 'Failed sign-in attempt (wrong password)'
    case 'new_device_login':
      return 'Signed in from a new device or location'
    case 'logout':
      return 'Signed out'
    case 'session_revoked':
      return subject ? `Signed out ${subject}` : 'Signed out another session'
    case 'sessions_revoked_all': {
      const n = count(details.revoked)
      return n === null ? 'Signed out all other sessions' : `Signed out all other sessions (${sessionsWord(n)})`
    }
    case 'session_evicted': {
      const device = text(details.device) ?? subject
      return device ? `${device} was replaced by a newer sign-in (session limit)` : 'A session was replaced by a newer sign-in (session limit)'
    }
    case 'new_login': {
      const n = count(details.evicted)
      return n === null ? 'A new sign-in replaced older sessions (session limit)' : `A new sign-in replaced ${sessionsWord(n)} (session limit)`
    }
    case 'refresh_token_reused':
      return 'A session was ended because its refresh token was used twice'
    case 'password_changed':
      return 'Password changed; every other session was signed out'
    case 'admin_revoked':
      return byAdmin(subject ? `An administrator signed out ${subject}` : 'An administrator signed out your sessions')
    case 'account_disabled':
      return byAdmin('An administrator disabled the account')
    default: {
      const words = event.type.replace(/_/g, ' ')
      return words.charAt(0).toUpperCase() + words.slice(1)
    }
  }
}

/** Events worth a second look get a warning style. */
export function isWarningEvent(type: string): boolean {
  return ['login_failed', 'new_device_login', 'refresh_token_reused', 'admin_revoked', 'account_disabled'].includes(type)
}

/** An audit entry's action, for the console's audit log. */
export function auditActionWords(action: AuditAction): string {
  switch (action) {
    case 'revoke_session':
      return 'Signed out a session'
    case 'revoke_user_sessions':
      return 'Signed out all sessions of a user'
    case 'revoke_all_sessions':
      return 'Signed out every user'
    case 'disable_user':
      return 'Disabled an account'
    case 'enable_user':
      return 'Enabled an account'
    case 'delete_user':
      return 'Deleted an account'
    case 'grant_admin':
      return 'Granted the admin role'
    case 'revoke_admin':
      return 'Revoked the admin role'
  }
}
