import { beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { buildTestApp, call, registerAndLogin, STRONG_PASSWORD, uniqueEmail } from '../support/app.js'
import { securityEvents, users } from '../../src/stores/schema.js'

const { app, services, config } = await buildTestApp()

describe('POST /register', () => {
  // Sign-ups spend a per-IP budget (every attempt counts): these tests get an app, and so a budget, of their own.
  let app: Awaited<ReturnType<typeof buildTestApp>>['app']
  beforeAll(async () => {
    app = (await buildTestApp()).app
  })

  it('creates a user and returns it without any secret', async () => {
    const email = uniqueEmail()
    const res = await call(app, 'POST', '/register', { json: { email, password: STRONG_PASSWORD } })
    expect(res.status).toBe(201)
    expect(res.body.user).toEqual({ id: expect.any(String), email, createdAt: expect.any(String) })
    expect(JSON.stringify(res.body)).not.toContain(STRONG_PASSWORD)
    const [row] = await services.db.select().from(users).where(eq(users.email, email))
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  })

  it('treats emails case-insensitively: a second account differing only in case is 409', async () => {
    const email = uniqueEmail()
    expect((await call(app, 'POST', '/register', { json: { email: email.toUpperCase(), password: STRONG_PASSWORD } })).status).toBe(201)
    const again = await call(app, 'POST', '/register', { json: { email, password: STRONG_PASSWORD } })
    expect(again.status).toBe(409)
    expect(again.body.error).toBe('email_taken')
    const login = await call(app, 'POST', '/login', { json: { email, password: STRONG_PASSWORD } })
    expect(login.status).toBe(200)
  })

  it.each([
    ['a bad email', { email: 'not-an-email', password: STRONG_PASSWORD }],
    ['a short password', { email: 'x', password: 'short' }],
    ['11 code points', { email: 'EMAIL', password: 'abcdefghijk' }],
    ['257 code points', { email: 'EMAIL', password: 'ü'.repeat(257) }],
    ['a common password', { email: 'EMAIL', password: '1qaz2wsx3edc' }],
    ['a common password in other case', { email: 'EMAIL', password: 'QWERTY123456' }],
    ['a missing password', { email: 'EMAIL' }],
    ['a number as password', { email: 'EMAIL', password: 123456789012345 }],
  ])('refuses %s with 400 invalid_request and creates nothing', async (_label, body) => {
    const email = uniqueEmail()
    const json = { ...body, email: body.email === 'EMAIL' ? email : body.email }
    const res = await call(app, 'POST', '/register', { json })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_request')
    expect(res.body.message).toEqual(expect.any(String))
    expect(res.body.details).toEqual(expect.any(Array))
    expect(await services.db.select().from(users).where(eq(users.email, email))).toHaveLength(0)
  })

  it('counts code points, not UTF-16 units: 12 emoji are a 12-character password', async () => {
    const res = await call(app, 'POST', '/register', { json: { email: uniqueEmail(), password: '🔑'.repeat(12) } })
    expect(res.status).toBe(201)
  })

  it('answers 403 registration_disabled when sign-up is closed', async () => {
    const closed = await buildTestApp({ env: { REGISTRATION_ENABLED: 'false' } })
    const res = await call(closed.app, 'POST', '/register', { json: { email: uniqueEmail(), password: STRONG_PASSWORD } })
    expect(res.status).toBe(403)
    expect(res.body.error).toBe('registration_disabled')
  })
})

describe('POST /login', () => {
  it('returns a TokenPair with a Session marked current, and no-store', async () => {
    const { tokens, user } = await registerAndLogin(app, { headers: { 'user-agent': 'curl/8.5.0' } })
    expect(tokens).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: expect.any(String),
      refreshTokenExpiresAt: expect.any(String),
      session: {
        id: expect.any(String),
        device: 'curl 8.5',
        ip: null,
        location: null,
        createdAt: expect.any(String),
        lastActiveAt: expect.any(String),
        expiresAt: tokens.refreshTokenExpiresAt,
        current: true,
      },
    })
    expect(Buffer.from(tokens.refreshToken, 'base64url').length).toBeGreaterThanOrEqual(32)
    const events = await services.db.select().from(securityEvents).where(eq(securityEvents.userId, user.id))
    expect(events.map((event) => event.type).sort()).toEqual(['login', 'new_device_login'])
  })

  it('sets Cache-Control: no-store on responses carrying tokens', async () => {
    const email = uniqueEmail()
    await call(app, 'POST', '/register', { json: { email, password: STRONG_PASSWORD } })
    const res = await app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: STRONG_PASSWORD }),
    })
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('mints a fresh session id on every login (no fixation)', async () => {
    const { email, password, tokens } = await registerAndLogin(app)
    const second = await call(app, 'POST', '/login', { json: { email, password } })
    expect(second.body.session.id).not.toBe(tokens.session.id)
  })

  it('answers unknown email, wrong password and a disabled account with the same 401 body', async () => {
    const { email, user } = await registerAndLogin(app)
    const wrong = await call(app, 'POST', '/login', { json: { email, password: `${STRONG_PASSWORD}!` } })
    const unknown = await call(app, 'POST', '/login', { json: { email: uniqueEmail(), password: STRONG_PASSWORD } })
    await services.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id))
    const disabled = await call(app, 'POST', '/login', { json: { email, password: STRONG_PASSWORD } })
    for (const res of [wrong, unknown, disabled]) {
      expect(res.status).toBe(401)
      expect(res.body).toEqual({ error: 'invalid_credentials', message: wrong.body.message })
    }
    const failures = await services.db.select().from(securityEvents).where(eq(securityEvents.userId, user.id))
    expect(failures.filter((event) => event.type === 'login_failed')).toHaveLength(2)
  })

  it('compares passwords whole: no trimming, no truncation', async () => {
    const { email } = await registerAndLogin(app)
    for (const password of [` ${STRONG_PASSWORD}`, `${STRONG_PASSWORD} `, STRONG_PASSWORD.slice(0, -1), STRONG_PASSWORD.toUpperCase()]) {
      expect((await call(app, 'POST', '/login', { json: { email, password } })).status).toBe(401)
    }
    const long = 'x'.repeat(200) + 'y'.repeat(56)
    const longEmail = uniqueEmail()
    await call(app, 'POST', '/register', { json: { email: longEmail, password: long } })
    expect((await call(app, 'POST', '/login', { json: { email: longEmail, password: long.slice(0, 255) + 'z' } })).status).toBe(401)
    expect((await call(app, 'POST', '/login', { json: { email: longEmail, password: long } })).status).toBe(200)
  })

  it('costs about the same for an unknown email as for a wrong password (both run argon2)', async () => {
    const { email } = await registerAndLogin(app)
    const time = async (body: object) => {
      const started = performance.now()
      await call(app, 'POST', '/login', { json: body })
      return performance.now() - started
    }
    // Warm up, then compare medians; a missing dummy hash would make unknown emails ~100x faster.
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
    const wrong: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 5; i += 1) {
      wrong.push(await time({ email, password: 'wrong password here!' }))
      unknown.push(await time({ email: uniqueEmail(), password: 'wrong password here!' }))
    }
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.5)
  })

  it('rehashes at login when the argon2 parameters change', async () => {
    const { email, password, user } = await registerAndLogin(app)
    const stronger = await buildTestApp({ env: { ARGON2_TIME_COST: '3' } })
    expect((await call(stronger.app, 'POST', '/login', { json: { email, password } })).status).toBe(200)
    const [row] = await services.db.select().from(users).where(eq(users.id, user.id))
    expect(row!.passwordHash).toContain('m=19456,t=3,p=1')
    expect((await call(app, 'POST', '/login', { json: { email, password } })).status).toBe(200)
  })

  it('uses the configured access TTL for expiresIn', async () => {
    const short = await buildTestApp({ env: { ACCESS_TOKEN_TTL: '5m' } })
    const { tokens } = await registerAndLogin(short.app)
    expect(tokens.expiresIn).toBe(300)
    expect(config.accessTokenTtlMs).toBe(900_000)
  })

  it('caps concurrent password hashes: excess logins wait in a bounded queue, beyond it 503 + Retry-After', async () => {
    // A slow hash (t=24, ~0.3 s) so that all eight logins reach the queue while the first still
    // hashes, however the machine staggers their account lookups.
    const capped = await buildTestApp({ env: { PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '2', ARGON2_TIME_COST: '24' } })
    const { email, password } = await registerAndLogin(capped.app)
    const results = await Promise.all(Array.from({ length: 8 }, () => call(capped.app, 'POST', '/login', { json: { email, password } })))
    const statuses = results.map((res) => res.status)
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(3) // 1 running + 2 queued
    const refused = results.filter((res) => res.status === 503)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused[0]!.body.error).toBe('unavailable')
    expect(refused[0]!.headers.get('retry-after')).toBe('1')
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true)
  }, 60_000)
})
