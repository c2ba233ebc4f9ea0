import type { SecurityEventRow, SessionRow, UserRow } from '../stores/schema.js'
import type { EventCursor } from '../stores/events.js'
import { sessionExpiresAt, type TimeoutConfig } from '../services/session-expiry.js'
import type { IssuedTokens } from '../services/sessions.js'

// The only place Dates become ISO strings.

export function presentUser(user: UserRow) {
  return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() }
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
