import { and, asc, desc, eq, gt, gte, inArray, lt, lte, min, sql } from 'drizzle-orm'
import type { Executor } from './db.js'
import { revocationLog, revocationLogHead, type RevocationKind, type RevocationLogRow } from './schema.js'

export interface NewRevocation {
  kind: RevocationKind
  sessionId?: string | null
  userId?: string | null
  reason?: string | null
  details?: Record<string, unknown> | null
}

const HEAD_ID = 1

/**
 * Appends entries with the next `seq` values, in the caller's transaction. The upsert locks the head
 * row until that transaction ends, so writers hand out `seq` one after the other and commit in that
 * order: whenever the committed head says S, every row up to S has committed (a rolled-back writer
 * gives its numbers back). Call it as the transaction's last statement: the lock is then held only
 * for the commit, and no writer ever waits for another lock while holding it (no deadlock).
 */
export async function appendRevocations(tx: Executor, at: Date, entries: NewRevocation[]): Promise<number> {
  if (entries.length === 0) return 0
  const [head] = await tx
    .insert(revocationLogHead)
    .values({ id: HEAD_ID, seq: entries.length })
    .onConflictDoUpdate({ target: revocationLogHead.id, set: { seq: sql`${revocationLogHead.seq} + ${entries.length}` } })
    .returning({ seq: revocationLogHead.seq })
  const first = head!.seq - entries.length + 1
  await tx.insert(revocationLog).values(
    entries.map((entry, i) => ({
      seq: first + i,
      kind: entry.kind,
      at,
      sessionId: entry.sessionId ?? null,
      userId: entry.userId ?? null,
      reason: entry.reason ?? null,
      details: entry.details ?? null,
    })),
  )
  return head!.seq
}

/** The last committed `seq` (0 before the first entry). */
export async function readHead(db: Executor): Promise<number> {
  const rows = await db.select({ seq: revocationLogHead.seq }).from(revocationLogHead).where(eq(revocationLogHead.id, HEAD_ID))
  return rows[0]?.seq ?? 0
}

/** The oldest `seq` still kept, or null when the log is empty. */
export async function oldestKept(db: Executor): Promise<number | null> {
  const [row] = await db.select({ seq: min(revocationLog.seq) }).from(revocationLog)
  return row?.seq == null ? null : Number(row.seq)
}

/** Entries with `after < seq ≤ upTo`, in order, at most `limit`. */
export async function listRevocationsBetween(db: Executor, after: number, upTo: number, limit: number): Promise<RevocationLogRow[]> {
  return db
    .select()
    .from(revocationLog)
    .where(and(gt(revocationLog.seq, after), lte(revocationLog.seq, upTo)))
    .orderBy(asc(revocationLog.seq))
    .limit(limit)
}

/** Entries with `seq ≤ upTo` made at or after `since`, in order: what a snapshot is built from. */
export async function listRevocationsSince(db: Executor, since: Date, upTo: number): Promise<RevocationLogRow[]> {
  return db
    .select()
    .from(revocationLog)
    .where(and(gte(revocationLog.at, since), lte(revocationLog.seq, upTo)))
    .orderBy(asc(revocationLog.seq))
}

/** The newest `keys_changed` entry, or null. */
export async function lastKeysChange(db: Executor): Promise<RevocationLogRow | null> {
  const rows = await db
    .select()
    .from(revocationLog)
    .where(eq(revocationLog.kind, 'keys_changed'))
    .orderBy(desc(revocationLog.seq))
    .limit(1)
  return rows[0] ?? null
}

/**
 * Deletes up to `limit` of the oldest entries, stopping at the first one made at or after `before`:
 * only ever a prefix, so the log stays gap-free and "is this cursor too old" is `cursor < oldest - 1`.
 */
export async function pruneRevocationsBefore(db: Executor, before: Date, limit: number): Promise<number> {
  const firstYoung = sql`coalesce((SELECT min(${revocationLog.seq}) FROM ${revocationLog} WHERE ${revocationLog.at} >= ${before.toISOString()}::timestamptz), 9223372036854775807)`
  const batch = db
    .select({ seq: revocationLog.seq })
    .from(revocationLog)
    .where(lt(revocationLog.seq, firstYoung))
    .orderBy(asc(revocationLog.seq))
    .limit(limit)
    .for('update', { skipLocked: true })
  const deleted = await db.delete(revocationLog).where(inArray(revocationLog.seq, batch)).returning({ seq: revocationLog.seq })
  return deleted.length
}
