import { and, count, eq, inArray, isNull, lte, sql } from 'drizzle-orm'
import type { Executor } from './db.js'
import { webhookOutbox, type WebhookOutboxRow } from './schema.js'

/** Queues one delivery, in the transaction that records the event. */
export async function insertOutbox(db: Executor, row: { eventId: number; payload: Record<string, unknown>; at: Date }): Promise<void> {
  await db.insert(webhookOutbox).values({ eventId: row.eventId, payload: row.payload, nextAttemptAt: row.at })
}

/**
 * Claims up to `limit` due deliveries by pushing their due time `leaseMs` ahead: other instances skip
 * locked rows (SKIP LOCKED) and, after commit, rows that are no longer due. A worker that dies mid-way
 * leaves its rows to be retried when the lease runs out.
 */
export async function claimDueDeliveries(db: Executor, now: Date, leaseMs: number, limit: number): Promise<WebhookOutboxRow[]> {
  const due = db
    .select({ id: webhookOutbox.id })
    .from(webhookOutbox)
    .where(and(isNull(webhookOutbox.deliveredAt), isNull(webhookOutbox.deadAt), lte(webhookOutbox.nextAttemptAt, now)))
    .orderBy(webhookOutbox.id)
    .limit(limit)
    .for('update', { skipLocked: true })
  return db
    .update(webhookOutbox)
    .set({ nextAttemptAt: new Date(now.getTime() + leaseMs) })
    .where(inArray(webhookOutbox.id, due))
    .returning()
}

export async function markDelivered(db: Executor, id: number, at: Date): Promise<void> {
  await db
    .update(webhookOutbox)
    .set({ deliveredAt: at, attempts: sql`${webhookOutbox.attempts} + 1`, lastError: null })
    .where(eq(webhookOutbox.id, id))
}

/** Records a failed attempt: retried at `retryAt`, or given up on when `retryAt` is null. */
export async function markFailed(db: Executor, id: number, failure: { at: Date; retryAt: Date | null; error: string }): Promise<void> {
  await db
    .update(webhookOutbox)
    .set({
      attempts: sql`${webhookOutbox.attempts} + 1`,
      lastError: failure.error.slice(0, 200),
      nextAttemptAt: failure.retryAt ?? failure.at,
      deadAt: failure.retryAt ? null : failure.at,
    })
    .where(eq(webhookOutbox.id, id))
}

/** Deliveries not yet made nor given up on (the queue depth). */
export async function countPendingDeliveries(db: Executor): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(webhookOutbox)
    .where(and(isNull(webhookOutbox.deliveredAt), isNull(webhookOutbox.deadAt)))
  return row?.n ?? 0
}
