import { describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import { eq } from 'drizzle-orm'
import { buildTestApp, call, isolatedDatabase, registerAndLogin } from '../support/app.js'
import { startWebhookReceiver } from '../support/webhook-receiver.js'
import { webhookOutbox } from '../../src/stores/schema.js'
import { retryDelayMs } from '../../src/services/webhooks.js'
import { systemClock } from '../../src/clock.js'
import { eventually } from '../support/eventually.js'

const SECRET = `whsec_${Buffer.from('a-webhook-signing-secret-of-32-bytes!').toString('base64')}`


// Each test owns its database: the outbox is shared by every app on a database, like a deployment.
async function appWithWebhooks(url: string, env: Record<string, string> = {}) {
  const database = await isolatedDatabase()
  const built = await buildTestApp({
    database,
    clock: systemClock, // retries are due in real time
    env: { WEBHOOK_URL: url, WEBHOOK_SECRET: SECRET, WEBHOOK_POLL_INTERVAL: '50ms', WEBHOOK_RETRY_BASE: '100ms', ...env },
  })
  return built
}

describe('webhooks', () => {
  it('POSTs each security event, signed per Standard Webhooks, without blocking the request', async () => {
    const receiver = await startWebhookReceiver()
    const { app, services } = await appWithWebhooks(receiver.url)
    const { user, email } = await registerAndLogin(app)
    await call(app, 'POST', '/login', { json: { email, password: 'definitely wrong!' } })
    // Nothing is sent on the request path: the outbox holds the deliveries until a worker runs.
    expect(receiver.received).toHaveLength(0)
    services.webhooks.start()
    await eventually(() => receiver.received.length >= 3)
    services.webhooks.stop()

    const verifier = new Webhook(SECRET)
    const payloads = receiver.received.map((hook) => verifier.verify(hook.body, hook.headers as Record<string, string>) as any)
    expect(payloads.map((payload) => payload.type).sort()).toEqual(['login', 'login_failed', 'new_device_login'])
    for (const payload of payloads) {
      expect(payload).toMatchObject({ id: expect.stringMatching(/^evt_\d+$/), userId: user.id, at: expect.any(String) })
    }
    // A tampered body fails verification: the signature covers it.
    const first = receiver.received[0]!
    expect(() => verifier.verify(first.body.replace('"login', '"logout'), first.headers as Record<string, string>)).toThrow()
  })

  it('retries with backoff when the receiver fails, until it succeeds', async () => {
    const receiver = await startWebhookReceiver({ failFirst: 2 })
    const { app, services, database } = await appWithWebhooks(receiver.url)
    await registerAndLogin(app)
    services.webhooks.start()
    await eventually(() => receiver.received.length >= 2)
    await services.webhooks.stop()
    expect(receiver.attempts()).toBeGreaterThanOrEqual(4)
    const rows = await database.db.select().from(webhookOutbox)
    expect(rows.every((row) => row.deliveredAt !== null)).toBe(true)
    expect(Math.max(...rows.map((row) => row.attempts))).toBeGreaterThanOrEqual(2)
  })

  it('delivers at least once across a restart: a new instance picks up what the old one could not send', async () => {
    const receiver = await startWebhookReceiver()
    const database = await isolatedDatabase()
    const env = { WEBHOOK_SECRET: SECRET, WEBHOOK_POLL_INTERVAL: '50ms', WEBHOOK_RETRY_BASE: '100ms' }
    // The first instance points at a dead receiver and "crashes" before anything is delivered.
    const first = await buildTestApp({ database, clock: systemClock, env: { ...env, WEBHOOK_URL: 'http://127.0.0.1:1/hooks' } })
    await registerAndLogin(first.app)
    await first.services.webhooks.runOnce()
    const pending = await database.db.select().from(webhookOutbox)
    // Non-empty, or `every` below would hold of nothing.
    expect(pending.length).toBeGreaterThan(0)
    expect(pending.every((row) => row.deliveredAt === null && row.attempts === 1)).toBe(true)

    const second = await buildTestApp({ database, clock: systemClock, env: { ...env, WEBHOOK_URL: receiver.url } })
    second.services.webhooks.start()
    await eventually(() => receiver.received.length === pending.length)
    await second.services.webhooks.stop()
  })

  it('several workers deliver each event once', async () => {
    const receiver = await startWebhookReceiver()
    const database = await isolatedDatabase()
    const env = { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET }
    const a = await buildTestApp({ database, env })
    const b = await buildTestApp({ database, env })
    const { email, password } = await registerAndLogin(a.app)
    for (let i = 0; i < 5; i += 1) await call(a.app, 'POST', '/login', { json: { email, password } })
    const total = (await database.db.select().from(webhookOutbox)).length
    await Promise.all([a.services.webhooks.runOnce(), b.services.webhooks.runOnce(), a.services.webhooks.runOnce(), b.services.webhooks.runOnce()])
    await eventually(async () => (await database.db.select().from(webhookOutbox).where(eq(webhookOutbox.attempts, 1))).length === total)
    const ids = receiver.received.map((hook) => hook.headers['webhook-id'])
    expect(ids).toHaveLength(total)
    expect(new Set(ids).size).toBe(total)
  })

  it('writes no outbox rows when WEBHOOK_URL is unset', async () => {
    const database = await isolatedDatabase()
    const { app } = await buildTestApp({ database })
    await registerAndLogin(app)
    expect(await database.db.select().from(webhookOutbox)).toHaveLength(0)
  })

  it('backs off exponentially with jitter, capped at an hour', () => {
    expect(retryDelayMs(1, 5000, () => 0.5)).toBe(5000)
    expect(retryDelayMs(3, 5000, () => 0.5)).toBe(20000)
    expect(retryDelayMs(3, 5000, () => 0)).toBe(16000)
    expect(retryDelayMs(3, 5000, () => 1)).toBe(24000)
    expect(retryDelayMs(30, 5000, () => 0.5)).toBe(3_600_000)
  })
})
