import type { AuditLogRow, SecurityEventRow, SessionRow, UserRow } from '../stores/schema.js'
import type { EventCursor } from '../stores/events.js'
import { sessionExpiresAt, type TimeoutConfig } from '../services/session-expiry.js'
import type { EndedSession } from '../services/my-account.js'
import type { IssuedTokens } from '../services/sessions.js'
import type { RevokedSession, StreamEvent } from '../services/revocation-stream.js'
import { fitsPostgresText } from '../text.js'

// The only place Dates become ISO strings.

export function presentUser(user: UserRow) {
  return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() }
}

/** A user as operators see them: also the admin role and whether (since when) the account is disabled. */
export function presentAdminUser(user: UserRow) {
  return { ...presentUser(user), isAdmin: user.isAdmin, disabledAt: user.disabledAt?.toISOString() ?? null }
}

export function presentSession(session: SessionRow, config: TimeoutConfig, currentSessionId: string | null) {
  return {
    id: session.id,
    device: session.device,
    ip: session.ip,
    location: session.location,
    createdAt: session.createdAt.toISOString(),
    lastActiveAt: session.lastActiveAt.toISOString(),
    expiresAt: sessionExpiresAt(session, config).toISOString(),
    current: session.id === currentSessionId,
  }
}

/** A session that is over: the Session fields (`current` false) plus when and why it ended. */
export function presentEndedSession(ended: EndedSession, config: TimeoutConfig) {
  return {
    ...presentSession(ended.session, config, null),
    endedAt: ended.endedAt.toISOString(),
    endReason: ended.endReason,
    reasonNote: ended.reasonNote,
  }
}

export function presentTokenPair(issued: IssuedTokens, config: TimeoutConfig) {
  return {
    accessToken: issued.accessToken,
    tokenType: 'Bearer' as const,
    expiresIn: issued.expiresIn,
    refreshToken: issued.refreshToken,
    refreshTokenExpiresAt: issued.refreshTokenExpiresAt.toISOString(),
    session: presentSession(issued.session, config, issued.session.id),
  }
}

export function presentEvent(event: SecurityEventRow) {
  return {
    id: String(event.id),
    type: event.type,
    at: event.at.toISOString(),
    ip: event.ip,
    device: event.device,
    location: event.location,
    sessionId: event.sessionId,
    details: event.details,
  }
}

/** Cursors are opaque to clients: base64url of the last row's position in the newest-first order. */
export function encodeCursor(cursor: EventCursor | null): string | null {
  return cursor ? Buffer.from(`${cursor.at.toISOString()}|${cursor.id}`).toString('base64url') : null
}

const CURSOR = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|([1-9]\d{0,15})$/
// No event is older than the epoch; Postgres refuses year 0000 (500) and Date rolls 30 February over.
const EARLIEST_CURSOR_MS = 0

/**
 * Null when the cursor is not exactly one we made: canonical base64url, a date toISOString writes
 * back character for character (no "2026-02-30", no "T24:00"), from 1970 on, and a safe positive id.
 */
export function decodeCursor(text: string): EventCursor | null {
  const decoded = Buffer.from(text, 'base64url').toString()
  if (Buffer.from(decoded).toString('base64url') !== text) return null
  const match = CURSOR.exec(decoded)
  if (!match) return null
  const at = new Date(match[1]!)
  const id = Number(match[2])
  if (Number.isNaN(at.getTime()) || at.toISOString() !== match[1] || at.getTime() < EARLIEST_CURSOR_MS) return null
  return Number.isSafeInteger(id) ? { at, id } : null
}

/** An audit-log entry; `target` names only what the action concerned, `actor.email` only admins. */
export function presentAuditEntry(entry: AuditLogRow) {
  const actor = entry.actorType === 'admin' ? { type: entry.actorType, id: entry.actorId, email: entry.actorEmail ?? undefined } : { type: entry.actorType, id: entry.actorId }
  return {
    id: String(entry.id),
    at: entry.at.toISOString(),
    actor,
    action: entry.action,
    target: { userId: entry.targetUserId ?? undefined, sessionId: entry.targetSessionId ?? undefined },
    reason: entry.reason,
    ip: entry.ip,
  }
}

const USER_CURSOR = 'user:'

/** The operators' user search continues after an email: the cursor is base64url of `user:<email>`. */
export function encodeUserCursor(email: string | null): string | null {
  return email === null ? null : Buffer.from(USER_CURSOR + email).toString('base64url')
}

/**
 * Null when the cursor is not exactly one we made: canonical base64url of valid UTF-8 (it encodes
 * back character for character), naming a lower-case email Postgres can hold.
 */
export function decodeUserCursor(text: string): string | null {
  const decoded = Buffer.from(text, 'base64url').toString()
  if (Buffer.from(decoded).toString('base64url') !== text || !decoded.startsWith(USER_CURSOR)) return null
  const email = decoded.slice(USER_CURSOR.length)
  const valid = email.length > 0 && email.length <= 254 && email === email.toLowerCase() && fitsPostgresText(email)
  return valid ? email : null
}

/** A revocation stream event's `data` (GET /revocations/stream), as the contract names its fields. */
export function presentStreamEvent(event: StreamEvent): Record<string, unknown> {
  const revoked = (entry: RevokedSession) => ({ sid: entry.sid, sub: entry.sub, reason: entry.reason, revokedAt: entry.revokedAt.toISOString() })
  switch (event.type) {
    case 'revoked':
      return { seq: event.seq, ...revoked(event) }
    case 'revoked_all':
      return { seq: event.seq, before: event.before.toISOString() }
    case 'keys_changed':
      return { seq: event.seq, kids: event.kids }
    case 'heartbeat':
      return { seq: event.seq, serverTime: event.serverTime.toISOString() }
    case 'snapshot':
      return {
        seq: event.seq,
        serverTime: event.serverTime.toISOString(),
        revoked: event.revoked.map(revoked),
        revokedAllBefore: event.revokedAllBefore?.toISOString() ?? null,
      }
  }
}
