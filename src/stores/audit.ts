import { and, desc, eq } from 'drizzle-orm'
import type { Executor } from './db.js'
import { beforeCursor, type PageCursor } from './paging.js'
import { auditLog, type AuditLogRow } from './schema.js'

export type NewAuditEntry = Omit<typeof auditLog.$inferInsert, 'id'>

/** Appends one entry, in the caller's transaction (the one that makes the change it records). */
export async function insertAuditEntry(db: Executor, entry: NewAuditEntry): Promise<AuditLogRow> {
  const rows = await db.insert(auditLog).values(entry).returning()
  return rows[0]!
}

/** Who made an entry: the actor's kind and id (a key fingerprint, `cli`, or an admin's user id). */
export interface AuditActorFilter {
  type: 'api_key' | 'admin'
  id: string
}

/**
 * Entries newest first (optionally only those about one user, or only one actor's), strictly after
 * `cursor` in that order. An actor filter walks the time index: operators act rarely, so the log is
 * small next to the sessions.
 */
export async function listAuditEntries(
  db: Executor,
  page: { limit: number; cursor: PageCursor | null; userId: string | null; actor?: AuditActorFilter | null },
): Promise<AuditLogRow[]> {
  const conditions = []
  if (page.userId) conditions.push(eq(auditLog.targetUserId, page.userId))
  if (page.actor) conditions.push(eq(auditLog.actorType, page.actor.type), eq(auditLog.actorId, page.actor.id))
  if (page.cursor) conditions.push(beforeCursor(auditLog.at, auditLog.id, page.cursor))
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(page.limit)
}
