import { and, desc, eq, sql } from 'drizzle-orm'
import type { Executor } from './db.js'
import type { EventCursor } from './events.js'
import { auditLog, type AuditLogRow } from './schema.js'

export type NewAuditEntry = Omit<typeof auditLog.$inferInsert, 'id'>

/** Appends one entry, in the caller's transaction (the one that makes the change it records). */
export async function insertAuditEntry(db: Executor, entry: NewAuditEntry): Promise<AuditLogRow> {
  const rows = await db.insert(auditLog).values(entry).returning()
  return rows[0]!
}

/** Entries newest first (optionally only those about one user), strictly after `cursor` in that order. */
export async function listAuditEntries(
  db: Executor,
  page: { limit: number; cursor: EventCursor | null; userId: string | null },
): Promise<AuditLogRow[]> {
  const conditions = []
  if (page.userId) conditions.push(eq(auditLog.targetUserId, page.userId))
  if (page.cursor) {
    conditions.push(sql`(${auditLog.at}, ${auditLog.id}) < (${page.cursor.at.toISOString()}::timestamptz, ${page.cursor.id})`)
  }
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(page.limit)
}
