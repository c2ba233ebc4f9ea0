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

/** Entries newest first (optionally only those about one user), strictly after `cursor` in that order. */
export async function listAuditEntries(
  db: Executor,
  page: { limit: number; cursor: PageCursor | null; userId: string | null },
): Promise<AuditLogRow[]> {
  const conditions = []
  if (page.userId) conditions.push(eq(auditLog.targetUserId, page.userId))
  if (page.cursor) conditions.push(beforeCursor(auditLog.at, auditLog.id, page.cursor))
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(page.limit)
}
