import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { buildTestApp, call, introspect, isolatedDatabase, registerAndLogin, STRONG_PASSWORD, uniqueEmail } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'

describe('secrets never reach the logs', () => {
  it('a whole session lifecycle at trace level logs requests but no password or token', async () => {
    const { app, logs } = await buildTestApp({ env: { LOG_LEVEL: 'trace' } })
    const email = uniqueEmail()
    await call(app, 'POST', '/register', { json: { email, password: STRONG_PASSWORD } })
    const login = await call(app, 'POST', '/login', { json: { email, password: STRONG_PASSWORD } })
    await call(app, 'POST', '/login', { json: { email, password: `${STRONG_PASSWORD}-wrong` } })
    const { accessToken, refreshToken } = login.body
    await call(app, 'GET', '/me', { bearer: accessToken, headers: { cookie: 'theme=dark; secret-cookie=abc123' } })
    await introspect(app, accessToken)
    const refreshed = await call(app, 'POST', '/refresh', { json: { refreshToken } })
    await call(app, 'POST', '/logout', { json: { refreshToken: refreshed.body.refreshToken } })

    const text = logs.join('')
    expect(logs.filter((line) => line.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(7)
    for (const secret of [STRONG_PASSWORD, accessToken, refreshToken, refreshed.body.refreshToken, 'secret-cookie', accessToken.split('.')[2]!]) {
      expect(text).not.toContain(secret)
    }
  })

  it('the logger censors secret fields wherever a caller puts them', () => {
    const lines: string[] = []
    const logger = createLogger('info', new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }))
    logger.info(
      {
        password: 'p4ssword-top',
        body: { refreshToken: 'rt-secret', newPassword: 'np-secret', token: 'introspected-secret' },
        req: { headers: { authorization: 'Bearer at-secret', cookie: 'sid=cookie-secret' } },
      },
      'attempt',
    )
    const text = lines.join('')
    for (const secret of ['p4ssword-top', 'rt-secret', 'np-secret', 'introspected-secret', 'at-secret', 'cookie-secret']) {
      expect(text).not.toContain(secret)
    }
    expect(text).toContain('[redacted]')
  })
})

describe('error logs', () => {
  it('a failing query logs its name, SQLSTATE and stack frames, never the SQL parameters', async () => {
    const database = await isolatedDatabase()
    const { app, logs } = await buildTestApp({ database })
    // A query bug, not an outage: the table the login reads is gone, so the driver fails with 42P01.
    await database.db.execute(sql`ALTER TABLE users RENAME TO users_gone`)
    const marker = `marker-${randomUUID()}`
    const res = await call(app, 'POST', '/login', { json: { email: `${marker}@example.test`, password: STRONG_PASSWORD } })
    expect(res.status).toBe(500)
    expect(res.body).toEqual({ error: 'internal_error', message: expect.any(String) })
    const line = logs.find((entry) => entry.includes('unhandled error'))
    expect(line).toBeDefined()
    const logged = JSON.parse(line!)
    expect(logged.err.frames.length).toBeGreaterThan(0)
    expect(JSON.stringify(logged.err)).toMatch(/"code":"42P01"/)
    expect(logs.join('')).not.toContain(marker)
    expect(logs.join('')).not.toMatch(/Failed query|select /i)
  })
})

describe('security warnings', () => {
  it('a detected refresh-token theft writes one warn line with the request id, the session and the user', async () => {
    const clock = createFakeClock()
    const { app, logs, config } = await buildTestApp({ clock })
    const { user, tokens } = await registerAndLogin(app)
    expect((await call(app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } })).status).toBe(200)
    clock.advance(config.refreshReuseGraceMs + 1)
    const replay = await call(app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken }, headers: { 'x-request-id': 'replay-of-a-retired-token' } })
    expect(replay.body.error).toBe('refresh_token_reused')

    const warnings = logs.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'refresh token reuse detected; session revoked')
    expect(warnings).toEqual([expect.objectContaining({ level: 40, reqId: 'replay-of-a-retired-token', sessionId: tokens.session.id, userId: user.id })])
  })
})
