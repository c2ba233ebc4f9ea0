import { createHmac } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { describeError, type Logger } from '../logger.js'
import { requestLogger } from '../request-context.js'
import type { Db } from '../stores/db.js'
import type { WebhookOutboxRow } from '../stores/schema.js'
import { claimDueDeliveries, markDelivered, markFailed } from '../stores/webhook-outbox.js'

const BATCH = 20
const FETCH_TIMEOUT_MS = 5_000
/** Longer than a delivery can take, so a claimed row is never sent twice at once. */
const LEASE_MS = 30_000
const MAX_BACKOFF_MS = 3_600_000

/** Standard Webhooks secrets come as `whsec_<base64>`; anything else is used as raw bytes. */
function secretBytes(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8')
}

/** The Standard Webhooks headers: HMAC-SHA256 over `${id}.${timestamp}.${body}`. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  const signature = createHmac('sha256', secretBytes(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  }
}

/** Exponential backoff with ±20 % jitter, so a receiver coming back is not hit by every retry at once. */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(baseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS)
  return Math.round(exponential * (0.8 + random() * 0.4))
}

export interface WebhookDeps {
  db: Db
  clock: Clock
  config: Pick<Config, 'webhookUrl' | 'webhookSecret' | 'webhookPollMs' | 'webhookRetryBaseMs' | 'webhookMaxAttempts'>
  logger: Logger
  onDelivery?: (result: 'delivered' | 'failed' | 'dead') => void
}

/** Delivers the outbox off the request path; several instances may run it at once. */
export function createWebhookWorker({ db, clock, config, logger, onDelivery }: WebhookDeps) {
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> | null = null

  async function deliver(row: WebhookOutboxRow): Promise<void> {
    const body = JSON.stringify(row.payload)
    const id = String(row.payload.id ?? `evt_${row.eventId}`)
    const headers = signWebhook(config.webhookSecret!, id, Math.floor(clock.now().getTime() / 1000), body)
    let error: string | null = null
    try {
      const response = await fetch(config.webhookUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'sessiond-webhooks', ...headers },
        body,
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        redirect: 'manual',
      })
      await response.body?.cancel()
      if (response.status < 200 || response.status >= 300) error = `HTTP ${response.status}`
    } catch (failure) {
      error = failure instanceof Error ? failure.name : 'fetch failed'
    }
    const at = clock.now()
    if (error === null) {
      await markDelivered(db, row.id, at)
      onDelivery?.('delivered')
      return
    }
    const attempt = row.attempts + 1
    const retryAt = attempt >= config.webhookMaxAttempts ? null : new Date(at.getTime() + retryDelayMs(attempt, config.webhookRetryBaseMs))
    await markFailed(db, row.id, { at, retryAt, error })
    onDelivery?.(retryAt ? 'failed' : 'dead')
    if (!retryAt) requestLogger(logger).warn({ eventId: row.eventId, attempts: attempt }, 'webhook delivery given up')
  }

  /** Claims and delivers one batch; returns how many rows it handled. */
  async function runOnce(): Promise<number> {
    const rows = await claimDueDeliveries(db, clock.now(), LEASE_MS, BATCH)
    await Promise.all(rows.map(deliver))
    return rows.length
  }

  return {
    runOnce,

    start() {
      if (!config.webhookUrl) return
      const tick = () => {
        running = runOnce()
          .then(() => undefined)
          .catch((error: unknown) => requestLogger(logger).warn({ err: describeError(error) }, 'webhook worker failed'))
          .finally(() => {
            if (timer !== null) timer = setTimeout(tick, config.webhookPollMs).unref()
          })
      }
      timer = setTimeout(tick, config.webhookPollMs).unref()
    },

    async stop() {
      if (timer) clearTimeout(timer)
      timer = null
      await running
    },
  }
}

export type WebhookWorker = ReturnType<typeof createWebhookWorker>
