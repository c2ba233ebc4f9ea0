import { and, count, desc, eq, gte, inArray, sql } from 'drizzle-orm'
import type { Executor } from './db.js'
import { beforeCursor, type PageCursor } from './paging.js'
import { securityEvents, type SecurityEventRow } from './schema.js'

export type SecurityEventType =
  | 'login'
  | 'login_failed'
  | 'new_device_login'
  | 'logout'
  | 'session_revoked'
  | 'sessions_revoked_all'
  | 'session_evicted'
  | 'new_login'
  | 'refresh_token_reused'
  | 'password_changed'
  | 'admin_revoked'
  | 'account_disabled'

export interface NewSecurityEvent {
  userId: string
  type: SecurityEventType
  at: Date
  sessionId?: string | null
  ip?: string | null
  device?: string | null
  location?: string | null
  details?: Record<string, unknown>
}

/** Appends one event, in the caller's transaction. */
export async function insertEvent(db: Executor, event: NewSecurityEvent): Promise<SecurityEventRow> {
  const rows = await db
    .insert(securityEvents)
    .values({
      userId: event.userId,
      type: event.type,
      at: event.at,
      sessionId: event.sessionId ?? null,
      ip: event.ip ?? null,
      device: event.device ?? null,
      location: event.location ?? null,
      details: event.details ?? {},
    })
    .returning()
  return rows[0]!
}

export type EventCursor = PageCursor

/** A user's events, newest first, strictly after `cursor` in that order; `limit` rows at most. */
export async function listEvents(
  db: Executor,
  userId: string,
  page: { limit: number; cursor: EventCursor | null },
): Promise<SecurityEventRow[]> {
  const conditions = [eq(securityEvents.userId, userId)]
  if (page.cursor) conditions.push(beforeCursor(securityEvents.at, securityEvents.id, page.cursor))
  return db
    .select()
    .from(securityEvents)
    .where(and(...conditions))
    .orderBy(desc(securityEvents.at), desc(securityEvents.id))
    .limit(page.limit)
}

/** Whether the user has logged in before from this device label and location (null matches null). */
export async function hasLoggedInFrom(db: Executor, userId: string, device: string | null, location: string | null): Promise<boolean> {
  const seen = await db
    .select({ id: securityEvents.id })
    .from(securityEvents)
    .where(
      and(
        eq(securityEvents.userId, userId),
        eq(securityEvents.type, 'login'),
        sql`${securityEvents.device} IS NOT DISTINCT FROM ${device}`,
        sql`${securityEvents.location} IS NOT DISTINCT FROM ${location}`,
      ),
    )
    .limit(1)
  return seen.length > 0
}

/** How many events of each of `types` happened in each UTC hour since `since` (hours with none are absent). */
export async function countEventsByHour(
  db: Executor,
  query: { since: Date; types: readonly SecurityEventType[] },
): Promise<Array<{ hour: Date; type: SecurityEventType; n: number }>> {
  // Hours since the epoch: independent of the connection's TimeZone, the same on postgres.js and PGlite.
  const hour = sql<string>`floor(extract(epoch from ${securityEvents.at}) / 3600)::bigint`
  const rows = await db
    .select({ hour, type: securityEvents.type, n: count() })
    .from(securityEvents)
    .where(and(gte(securityEvents.at, query.since), inArray(securityEvents.type, [...query.types])))
    .groupBy(hour, securityEvents.type)
  return rows.map((row) => ({ hour: new Date(Number(row.hour) * 3_600_000), type: row.type as SecurityEventType, n: Number(row.n) }))
}
