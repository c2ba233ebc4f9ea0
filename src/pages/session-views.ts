import { deviceKind } from '../http/device.js'
import type { EndedSession } from '../services/my-account.js'
import { sessionExpiresAt, type TimeoutConfig } from '../services/session-expiry.js'
import type { SecurityEventRow, SessionRow } from '../stores/schema.js'
import type { EndedView, EventView, SessionView } from './account-views.js'

/** What the pages show of the ledger's rows (the account pages and the console alike). */

/** A session not used for longer than this is flagged inactive (with one action to end them all). */
export const INACTIVE_AFTER_MS = 7 * 24 * 60 * 60 * 1000

export const toSessionView = (session: SessionRow, config: TimeoutConfig, now: Date, currentId: string): SessionView => ({
  id: session.id,
  device: session.device,
  kind: deviceKind(session.userAgent),
  location: session.location,
  ip: session.ip,
  createdAt: session.createdAt,
  lastActiveAt: session.lastActiveAt,
  expiresAt: sessionExpiresAt(session, config),
  current: session.id === currentId,
  inactive: session.id !== currentId && now.getTime() - session.lastActiveAt.getTime() > INACTIVE_AFTER_MS,
})

export const toEndedView = (entry: EndedSession): EndedView => ({
  session: {
    id: entry.session.id,
    device: entry.session.device,
    kind: deviceKind(entry.session.userAgent),
    location: entry.session.location,
    ip: entry.session.ip,
    createdAt: entry.session.createdAt,
    lastActiveAt: entry.session.lastActiveAt,
  },
  endedAt: entry.endedAt,
  reason: entry.endReason,
  note: entry.reasonNote,
})

export interface EventContext {
  currentId: string
  /** Active sessions other than this one: a new-device sign-in of one of them can be ended. */
  endable: ReadonlySet<string>
  /** Device labels of the sessions the page knows (active and recently ended), by id. */
  devices: ReadonlyMap<string, string>
}

export const toEventView = (event: SecurityEventRow, { currentId, endable, devices }: EventContext): EventView => ({
  id: String(event.id),
  type: event.type,
  details: event.details,
  at: event.at,
  device: event.device,
  location: event.location,
  ip: event.ip,
  endableSessionId: event.type === 'new_device_login' && event.sessionId && endable.has(event.sessionId) ? event.sessionId : null,
  thisDevice: event.sessionId === currentId,
  subject: event.sessionId && event.sessionId !== currentId ? (devices.get(event.sessionId) ?? null) : null,
})

