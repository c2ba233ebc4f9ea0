import { and, eq, inArray, isNull, lt, ne, or, type SQL } from 'drizzle-orm'
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Executor } from './db.js'
import { auditLog, securityEvents, sessionTombstones, sessions } from './schema.js'
import type { IdleCutoffs } from './sessions.js'

/**
 * Deletes up to `limit` rows of `table` matching `where` (oldest `by` first, when given); returns how
 * many. SKIP LOCKED lets several instances clean at once without waiting on, or deleting twice, each
 * other's rows. `by` is for a `where` that is a range on it: the order makes the planner walk `by`'s
 * index, where on 10⁶ sessions it had chosen a sequential scan that re-read every row already deleted
 * (dead until vacuumed) on each batch (see the README's benchmark section). Without such a range
 * (the idle cutoffs, an OR per session kind) an order would walk every open session instead.
 */
async function deleteBatch(db: Executor, table: PgTable, key: AnyPgColumn, where: SQL | undefined, by: AnyPgColumn | null, limit: number): Promise<number> {
  const query = db.select({ key }).from(table).where(where)
  const batch = (by ? query.orderBy(by) : query).limit(limit).for('update', { skipLocked: true })
  const deleted = await db.delete(table).where(inArray(key, batch)).returning({ key })
  return deleted.length
}

/** One batch of sessions that ended before `before` (their refresh tokens go by cascade). */
export function deleteEndedSessions(db: Executor, before: Date, limit: number): Promise<number> {
  return deleteBatch(db, sessions, sessions.id, lt(sessions.endedAt, before), sessions.endedAt, limit)
}

/** One batch of never-ended sessions whose absolute end passed before `before`. */
export function deleteOpenSessionsPastAbsoluteEnd(db: Executor, before: Date, limit: number): Promise<number> {
  return deleteBatch(db, sessions, sessions.id, and(isNull(sessions.endedAt), lt(sessions.absoluteExpiresAt, before)), sessions.absoluteExpiresAt, limit)
}

/** One batch of never-ended sessions last active before their kind's `before`. */
export function deleteOpenSessionsIdleSince(db: Executor, before: IdleCutoffs, limit: number): Promise<number> {
  const idle = or(
    and(eq(sessions.kind, 'console'), lt(sessions.lastActiveAt, before.console)),
    and(ne(sessions.kind, 'console'), lt(sessions.lastActiveAt, before.standard)),
  )
  return deleteBatch(db, sessions, sessions.id, and(isNull(sessions.endedAt), idle), null, limit)
}

/** One batch of security events older than `before`. */
export function deleteEventsBefore(db: Executor, before: Date, limit: number): Promise<number> {
  return deleteBatch(db, securityEvents, securityEvents.id, lt(securityEvents.at, before), securityEvents.at, limit)
}

/** One batch of audit-log entries older than `before`. */
export function deleteAuditEntriesBefore(db: Executor, before: Date, limit: number): Promise<number> {
  return deleteBatch(db, auditLog, auditLog.id, lt(auditLog.at, before), auditLog.at, limit)
}

/** One batch of tombstones older than `before`. */
export function deleteTombstonesBefore(db: Executor, before: Date, limit: number): Promise<number> {
  return deleteBatch(db, sessionTombstones, sessionTombstones.sessionId, lt(sessionTombstones.endedAt, before), sessionTombstones.endedAt, limit)
}
