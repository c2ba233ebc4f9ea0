import { describe, expect, it } from 'vitest'
import { count, eq } from 'drizzle-orm'
import { buildTestApp, call, isolatedDatabase, registerAndLogin } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { refreshTokens, securityEvents, sessions } from '../../src/stores/schema.js'
import { createCleanupService } from '../../src/services/cleanup.js'
import { createLogger } from '../../src/logger.js'

const DAY = 86_400_000

describe('retention cleanup', () => {
  it('deletes sessions ended or timed out past SESSION_RETENTION, their refresh tokens, and old events; keeps the rest', async () => {
    const database = await isolatedDatabase()
    const clock = createFakeClock()
    const { app, services } = await buildTestApp({ clock, database })
    const db = database.db

    const ended = await registerAndLogin(app)
    await call(app, 'POST', '/logout', { bearer: ended.tokens.accessToken })
    const idle = await registerAndLogin(app)
    clock.advance(20 * DAY)
    const recent = await registerAndLogin(app)
    clock.advance(11 * DAY) // `ended` ended 31 days ago; `idle` was last active 31 days ago (idle timeout 7 d)

    // Ended 31 d ago → gone, and its revocation-log entry (no token outlives ACCESS_TOKEN_TTL + 5 min).
    // Idle since 31 d: timed out 24 d ago, inside retention → kept for now.
    expect(await services.cleanup.runOnce()).toEqual({ sessions: 1, events: 0, audit: 0, revocationLog: 1 })
    const remaining = (await db.select({ id: sessions.id }).from(sessions)).map((row) => row.id).sort()
    expect(remaining).toEqual([idle.tokens.session.id, recent.tokens.session.id].sort())
    const tokenRows = await db.select().from(refreshTokens).where(eq(refreshTokens.sessionId, ended.tokens.session.id))
    expect(tokenRows).toHaveLength(0)

    clock.advance(7 * DAY)
    expect((await services.cleanup.runOnce()).sessions).toBe(1)
    expect((await db.select({ id: sessions.id }).from(sessions)).map((row) => row.id)).toEqual([recent.tokens.session.id])

    clock.advance(80 * DAY) // events are kept 90 d by default: now every event is older
    const result = await services.cleanup.runOnce()
    expect(result.events).toBeGreaterThan(0)
    const [left] = await db.select({ n: count() }).from(securityEvents)
    expect(left!.n).toBe(0)
  })

  it('is safe with several instances running it at once: every row deleted exactly once, no errors', async () => {
    const database = await isolatedDatabase()
    const clock = createFakeClock()
    const { app } = await buildTestApp({ clock, database })
    const { email, password } = await registerAndLogin(app)
    for (let i = 0; i < 30; i += 1) {
      const login = await call(app, 'POST', '/login', { json: { email, password } })
      await call(app, 'POST', '/logout', { bearer: login.body.accessToken })
    }
    clock.advance(31 * DAY)

    const config = {
      sessionRetentionMs: 30 * DAY,
      eventRetentionMs: 365 * DAY,
      auditRetentionMs: 400 * DAY,
      sessionIdleTimeoutMs: 7 * DAY,
      consoleIdleTimeoutMs: 30 * 60_000,
      cleanupIntervalMs: 3_600_000,
      accessTokenTtlMs: 15 * 60_000,
    }
    const workers = Array.from({ length: 4 }, () => createCleanupService({ db: database.db, clock, config, logger: createLogger('silent') }))
    const results = await Promise.all(workers.map((worker) => worker.runOnce()))
    expect(results.reduce((sum, result) => sum + result.sessions, 0)).toBe(30)
    expect(results.reduce((sum, result) => sum + result.revocationLog, 0)).toBe(30)
  })
})
