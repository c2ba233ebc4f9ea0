import type { Executor } from '../stores/db.js'
import { insertEvent, type NewSecurityEvent } from '../stores/events.js'
import type { SecurityEventRow } from '../stores/schema.js'
import { insertOutbox } from '../stores/webhook-outbox.js'

/** The body POSTed to WEBHOOK_URL for one event. */
export function webhookPayload(event: SecurityEventRow) {
  return {
    id: `evt_${event.id}`,
    type: event.type,
    at: event.at.toISOString(),
    userId: event.userId,
    sessionId: event.sessionId,
    ip: event.ip,
    device: event.device,
    location: event.location,
    details: event.details,
  }
}

/**
 * Records security events in the caller's transaction and, when webhooks are on, queues their
 * delivery in the same transaction: an event is never delivered without being recorded, or lost.
 */
export function createEventRecorder({ webhooksEnabled }: { webhooksEnabled: boolean }) {
  return {
    async record(tx: Executor, event: NewSecurityEvent): Promise<SecurityEventRow> {
      const row = await insertEvent(tx, event)
      if (webhooksEnabled) await insertOutbox(tx, { eventId: row.id, payload: webhookPayload(row), at: event.at })
      return row
    },
  }
}

export type EventRecorder = ReturnType<typeof createEventRecorder>
