import { and, count, desc, eq, gt, isNull, lte, ne, or, sql, type SQL } from 'drizzle-orm'
import type { EndReason } from '../errors.js'
import type { Executor } from './db.js'
import { sessionTombstones, sessions, type SessionKind, type SessionRow } from './schema.js'

export type NewSession = typeof sessions.$inferInsert

/** Per session kind, the instant before which a last activity means the session has timed out. */
export type IdleCutoffs = Record<SessionKind, Date>

/** Last active after its kind's cutoff: not timed out by idleness. */
function activeAfterCutoff(cutoffs: IdleCutoffs): SQL {
  return or(
    and(eq(sessions.kind, 'console'), gt(sessions.lastActiveAt, cutoffs.console)),
    and(ne(sessions.kind, 'console'), gt(sessions.lastActiveAt, cutoffs.standard)),
  )!
}

/** Last active at or before its kind's cutoff: timed out by idleness. */
function idleSinceCutoff(cutoffs: IdleCutoffs): SQL {
  return or(
    and(eq(sessions.kind, 'console'), lte(sessions.lastActiveAt, cutoffs.console)),
    and(ne(sessions.kind, 'console'), lte(sessions.lastActiveAt, cutoffs.standard)),
  )!
}

/** Inserts a session row. */
export async function insertSession(db: Executor, session: NewSession): Promise<SessionRow> {
  const rows = await db.insert(sessions).values(session).returning()
  return rows[0]!
}

/** The session with this id, ended or not, or null. */
export async function findSession(db: Executor, id: string): Promise<SessionRow | null> {
  const rows = await db.select().from(sessions).where(eq(sessions.id, id)).limit(1)
  return rows[0] ?? null
}

/** The session, locked until the transaction ends so that parallel refreshes run one after the other. */
export async function lockSession(tx: Executor, id: string): Promise<SessionRow | null> {
  const rows = await tx.select().from(sessions).where(eq(sessions.id, id)).for('update').limit(1)
  return rows[0] ?? null
}

/**
 * Ends the session if it is still open (and, when given, belongs to `userId`); returns the ended row,
 * or null when there was nothing to end. The owner check lives in the query: no existence oracle.
 */
export async function endSession(
  db: Executor,
  end: { id: string; userId?: string; reason: EndReason; at: Date; activeAfter?: IdleCutoffs; reasonNote?: string | null },
): Promise<SessionRow | null> {
  const conditions = [eq(sessions.id, end.id), isNull(sessions.endedAt)]
  if (end.userId) conditions.push(eq(sessions.userId, end.userId))
  // Only a session that has not timed out (idle or absolute) is still there to be ended.
  if (end.activeAfter) conditions.push(activeAfterCutoff(end.activeAfter), gt(sessions.absoluteExpiresAt, end.at))
  const rows = await db
    .update(sessions)
    .set({ endedAt: end.at, endReason: end.reason, reasonNote: end.reasonNote ?? null })
    .where(and(...conditions))
    .returning()
  return rows[0] ?? null
}

/** Records activity: `lastActiveAt` only ever moves forward. */
export async function touchSession(db: Executor, id: string, at: Date): Promise<void> {
  await db
    .update(sessions)
    .set({ lastActiveAt: sql`greatest(${sessions.lastActiveAt}, ${at.toISOString()}::timestamptz)` })
    .where(eq(sessions.id, id))
}

/** Ids and end times of sessions (and deleted users' sessions) ended after `since`: what the denylist must hold. */
export async function listSessionsEndedSince(db: Executor, since: Date): Promise<{ id: string; endedAt: Date }[]> {
  const ended = await db
    .select({ id: sessions.id, endedAt: sessions.endedAt })
    .from(sessions)
    .where(gt(sessions.endedAt, since))
  const tombstones = await db
    .select({ id: sessionTombstones.sessionId, endedAt: sessionTombstones.endedAt })
    .from(sessionTombstones)
    .where(gt(sessionTombstones.endedAt, since))
  return [...ended.map((row) => ({ id: row.id, endedAt: row.endedAt! })), ...tombstones]
}

/** Keeps the revocations of a user's sessions after the rows themselves are deleted with the user. */
export async function tombstoneSessionsOfUser(db: Executor, userId: string): Promise<void> {
  await db.execute(sql`
    INSERT INTO session_tombstones (session_id, ended_at)
    SELECT id, ended_at FROM sessions WHERE user_id = ${userId} AND ended_at IS NOT NULL
    ON CONFLICT (session_id) DO NOTHING`)
}

/** A user's open sessions, most recently active first (may include timed-out ones; callers filter). */
export async function listOpenSessions(db: Executor, userId: string): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.endedAt)))
    .orderBy(desc(sessions.lastActiveAt))
}

/**
 * Ends every open session of a user (optionally but one, or only those of one kind), returning the
 * ended rows. The caller publishes their ids to the denylist after the transaction commits.
 */
export async function endSessionsOfUser(
  db: Executor,
  end: { userId: string; exceptId?: string; kind?: SessionKind; reason: EndReason; at: Date; reasonNote?: string | null },
): Promise<SessionRow[]> {
  const conditions = [eq(sessions.userId, end.userId), isNull(sessions.endedAt)]
  if (end.exceptId) conditions.push(ne(sessions.id, end.exceptId))
  if (end.kind) conditions.push(eq(sessions.kind, end.kind))
  return db
    .update(sessions)
    .set({ endedAt: end.at, endReason: end.reason, reasonNote: end.reasonNote ?? null })
    .where(and(...conditions))
    .returning()
}

/** Ends every open session of every user but `except` (incident response); returns who they were. */
export async function endAllSessions(
  db: Executor,
  end: { reason: EndReason; at: Date; reasonNote?: string | null; except?: string | null },
): Promise<Pick<SessionRow, 'id' | 'userId' | 'endReason'>[]> {
  return db
    .update(sessions)
    .set({ endedAt: end.at, endReason: end.reason, reasonNote: end.reasonNote ?? null })
    .where(end.except ? and(isNull(sessions.endedAt), ne(sessions.id, end.except)) : isNull(sessions.endedAt))
    .returning({ id: sessions.id, userId: sessions.userId, endReason: sessions.endReason })
}

/** Records that the user just proved their password for this session (sudo mode). */
export async function setAuthTime(db: Executor, id: string, at: Date): Promise<void> {
  await db.update(sessions).set({ authTime: at }).where(eq(sessions.id, id))
}

/** Open sessions not timed out by idleness (index range scans; for the metrics gauge). */
export async function countSessionsActiveSince(db: Executor, cutoffs: IdleCutoffs): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(sessions)
    .where(and(isNull(sessions.endedAt), activeAfterCutoff(cutoffs)))
  return row?.n ?? 0
}

/**
 * A user's sessions that ended after `since`, most recently ended first, at most `limit`: the rows
 * ended in the ledger (logout, revocation…) and, separately, the ones that timed out without being
 * ended (`timedOutBefore`: idle or absolute end already passed), which the caller dates by their expiry.
 */
export async function listEndedSessions(
  db: Executor,
  query: { userId: string; since: Date; now: Date; idleCutoff: IdleCutoffs; limit: number },
): Promise<{ ended: SessionRow[]; timedOut: SessionRow[] }> {
  const ended = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, query.userId), gt(sessions.endedAt, query.since)))
    .orderBy(desc(sessions.endedAt))
    .limit(query.limit)
  // Timed out: still open in the ledger, but idle past the timeout or past the absolute end.
  const timedOut = await db
    .select()
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, query.userId),
        isNull(sessions.endedAt),
        or(idleSinceCutoff(query.idleCutoff), lte(sessions.absoluteExpiresAt, query.now)),
      ),
    )
    .orderBy(desc(sessions.lastActiveAt))
    .limit(query.limit)
  return { ended, timedOut }
}
