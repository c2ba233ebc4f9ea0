import { and, inArray, isNull, lt, type SQL } from 'drizzle-orm'
import type { Executor } from './db.js'
import { securityEvents, sessionTombstones, sessions } from './schema.js'

/**
 * Deletes up to `limit` sessions matching `where` (their refresh tokens go by cascade); returns how many.
 * SKIP LOCKED lets several instances clean at once without waiting on, or deleting twice, each other's rows.
 */
async function deleteSessionsWhere(db: Executor, where: SQL, limit: number): Promise<number> {
  const batch = db.select({ id: sessions.id }).from(sessions).where(where).limit(limit).for('update', { skipLocked: true })
  const deleted = await db.delete(sessions).where(inArray(sessions.id, batch)).returning({ id: sessions.id })
  return deleted.length
}

/** One batch of sessions that ended before `before`. */
export function deleteEndedSessions(db: Executor, before: Date, limit: number): Promise<number> {
  return deleteSessionsWhere(db, lt(sessions.endedAt, before), limit)
}

/** One batch of never-ended sessions whose absolute end passed before `before`. */
export function deleteOpenSessionsPastAbsoluteEnd(db: Executor, before: Date, limit: number): Promise<number> {
  return deleteSessionsWhere(db, and(isNull(sessions.endedAt), lt(sessions.absoluteExpiresAt, before))!, limit)
}

/** One batch of never-ended sessions last active before `before`. */
export function deleteOpenSessionsIdleSince(db: Executor, before: Date, limit: number): Promise<number> {
  return deleteSessionsWhere(db, and(isNull(sessions.endedAt), lt(sessions.lastActiveAt, before))!, limit)
}

/** One batch of security events older than `before`. */
export async function deleteEventsBefore(db: Executor, before: Date, limit: number): Promise<number> {
  const batch = db
    .select({ id: securityEvents.id })
    .from(securityEvents)
    .where(lt(securityEvents.at, before))
    .limit(limit)
    .for('update', { skipLocked: true })
  const deleted = await db.delete(securityEvents).where(inArray(securityEvents.id, batch)).returning({ id: securityEvents.id })
  return deleted.length
}

/** One batch of tombstones older than `before`. */
export async function deleteTombstonesBefore(db: Executor, before: Date, limit: number): Promise<number> {
  const batch = db
    .select({ id: sessionTombstones.sessionId })
    .from(sessionTombstones)
    .where(lt(sessionTombstones.endedAt, before))
    .limit(limit)
    .for('update', { skipLocked: true })
  const deleted = await db
    .delete(sessionTombstones)
    .where(inArray(sessionTombstones.sessionId, batch))
    .returning({ id: sessionTombstones.sessionId })
  return deleted.length
}
