import { describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import { buildTestApp, call, introspect, registerAndLogin } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { securityEvents, sessions } from '../../src/stores/schema.js'

/** Each test gets its own clock and app (and so its own rate-limit budgets): moving the clock moves only its own. */
async function world(env: Record<string, string> = {}) {
  const clock = createFakeClock()
  const { app, services } = await buildTestApp({ clock, env })
  const login = (email: string, password: string, userAgent = 'curl/8.5.0') =>
    call(app, 'POST', '/login', { json: { email, password }, headers: { 'user-agent': userAgent } })
  const eventsOf = async (userId: string, type: string) =>
    services.db.select().from(securityEvents).where(and(eq(securityEvents.userId, userId), eq(securityEvents.type, type)))
  return { clock, app, services, login, eventsOf }
}

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

describe('GET /me/sessions', () => {
  it('lists active sessions only, most recently active first, exactly one current', async () => {
    const { app, clock, login } = await world()
    const { email, password, tokens: first } = await registerAndLogin(app, { headers: { 'user-agent': CHROME } })
    clock.advance(1_000)
    const second = await login(email, password, IPHONE)
    clock.advance(1_000)
    const ended = await login(email, password)
    await call(app, 'POST', '/logout', { bearer: ended.body.accessToken })
    clock.advance(1_000)
    await call(app, 'POST', '/refresh', { json: { refreshToken: first.refreshToken } }) // first is now the most recent

    const res = await call(app, 'GET', '/me/sessions', { bearer: second.body.accessToken })
    expect(res.status).toBe(200)
    expect(res.body.sessions.map((s: any) => s.id)).toEqual([first.session.id, second.body.session.id])
    expect(res.body.sessions.map((s: any) => s.device)).toEqual(['Chrome 131 on macOS', 'Safari on iOS'])
    expect(res.body.sessions.filter((s: any) => s.current)).toEqual([expect.objectContaining({ id: second.body.session.id })])
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('leaves out sessions that timed out', async () => {
    const { app, clock, login } = await world()
    const { email, password, tokens } = await registerAndLogin(app)
    clock.advance(8 * 86_400_000) // past the 7 d idle timeout
    const fresh = await login(email, password)
    const res = await call(app, 'GET', '/me/sessions', { bearer: fresh.body.accessToken })
    expect(res.body.sessions.map((s: any) => s.id)).toEqual([fresh.body.session.id])
    expect(res.body.sessions.map((s: any) => s.id)).not.toContain(tokens.session.id)
  })
})

describe('lastActiveAt', () => {
  it('moves on authenticated /me calls at most once a minute, and never on introspection', async () => {
    const { app, services, clock } = await world()
    const { tokens } = await registerAndLogin(app)
    const lastActive = async () => (await services.db.select().from(sessions).where(eq(sessions.id, tokens.session.id)))[0]!.lastActiveAt.getTime()
    const loginAt = await lastActive()
    clock.advance(30_000)
    await call(app, 'GET', '/me', { bearer: tokens.accessToken })
    expect(await lastActive()).toBe(loginAt) // within the minute: no write
    clock.advance(31_000)
    await call(app, 'GET', '/me', { bearer: tokens.accessToken })
    expect(await lastActive()).toBe(clock.now().getTime())
    const touched = clock.now().getTime()
    clock.advance(120_000)
    await introspect(app, tokens.accessToken)
    expect(await lastActive()).toBe(touched)
  })
})

describe('DELETE /me/sessions/:id', () => {
  it('ends another of my sessions at once, everywhere, with an event', async () => {
    const { app, login, eventsOf } = await world()
    const { email, password, tokens, user } = await registerAndLogin(app)
    const other = await login(email, password)
    const res = await call(app, 'DELETE', `/me/sessions/${other.body.session.id}`, { bearer: tokens.accessToken })
    expect(res.status).toBe(204)
    expect((await introspect(app, other.body.accessToken)).body).toEqual({ active: false })
    const refresh = await call(app, 'POST', '/refresh', { json: { refreshToken: other.body.refreshToken } })
    expect(refresh.body).toMatchObject({ error: 'session_revoked', reason: 'revoked' })
    expect(await eventsOf(user.id, 'session_revoked')).toHaveLength(1)
    // Already ended → 404 like any unknown id.
    expect((await call(app, 'DELETE', `/me/sessions/${other.body.session.id}`, { bearer: tokens.accessToken })).status).toBe(404)
  })

  it("answers 404 for another user's session, which stays active (no IDOR, no oracle)", async () => {
    const { app } = await world()
    const mallory = await registerAndLogin(app)
    const alice = await registerAndLogin(app)
    const res = await call(app, 'DELETE', `/me/sessions/${alice.tokens.session.id}`, { bearer: mallory.tokens.accessToken })
    const unknown = await call(app, 'DELETE', '/me/sessions/00000000-0000-4000-8000-000000000000', { bearer: mallory.tokens.accessToken })
    const malformed = await call(app, 'DELETE', '/me/sessions/not-a-uuid', { bearer: mallory.tokens.accessToken })
    for (const answer of [res, unknown, malformed]) {
      expect(answer.status).toBe(404)
      expect(answer.body).toEqual({ error: 'session_not_found', message: res.body.message })
    }
    expect((await introspect(app, alice.tokens.accessToken)).body.active).toBe(true)
  })

  it('answers 404 for a session that timed out without being ended: it is already over', async () => {
    const { clock, ...short } = await world({ SESSION_IDLE_TIMEOUT: '1h', REAUTH_WINDOW: '2h' })
    const { email, password } = await registerAndLogin(short.app)
    const stale = await call(short.app, 'POST', '/login', { json: { email, password } })
    clock.advance(61 * 60_000)
    const fresh = await call(short.app, 'POST', '/login', { json: { email, password } })
    const res = await call(short.app, 'DELETE', `/me/sessions/${stale.body.session.id}`, { bearer: fresh.body.accessToken })
    expect(res.status).toBe(404)
    expect(res.body.error).toBe('session_not_found')
  })

  it('refuses the current session: use /logout', async () => {
    const { app } = await world()
    const { tokens } = await registerAndLogin(app)
    const res = await call(app, 'DELETE', `/me/sessions/${tokens.session.id}`, { bearer: tokens.accessToken })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('cannot_revoke_current_session')
  })
})

describe('sudo mode', () => {
  it('after REAUTH_WINDOW ending sessions needs a fresh password proof, recorded in the ledger', async () => {
    const { app, clock, login } = await world()
    const { email, password, tokens: loginTokens } = await registerAndLogin(app)
    const other = await login(email, password)
    clock.advance(31 * 60_000)
    // A fresh access token, but the password was last proven at login, 31 minutes ago.
    const tokens = (await call(app, 'POST', '/refresh', { json: { refreshToken: loginTokens.refreshToken } })).body
    const other2 = (await call(app, 'POST', '/refresh', { json: { refreshToken: other.body.refreshToken } })).body
    other.body.accessToken = other2.accessToken
    const refused = await call(app, 'DELETE', `/me/sessions/${other.body.session.id}`, { bearer: tokens.accessToken })
    expect(refused.status).toBe(403)
    expect(refused.body.error).toBe('reauthentication_required')
    expect((await call(app, 'POST', '/me/sessions/revoke-all', { bearer: tokens.accessToken })).status).toBe(403)
    expect((await introspect(app, other.body.accessToken)).body.active).toBe(true)

    const wrong = await call(app, 'POST', '/me/reauthenticate', { bearer: tokens.accessToken, json: { password: `${password}x` } })
    expect(wrong.status).toBe(403)
    expect(wrong.body.error).toBe('invalid_credentials')

    const ok = await call(app, 'POST', '/me/reauthenticate', { bearer: tokens.accessToken, json: { password } })
    expect(ok.status).toBe(200)
    expect(ok.body).toEqual({ reauthenticatedUntil: new Date(clock.now().getTime() + 30 * 60_000).toISOString() })
    // The same access token now passes, because the ledger holds the new auth time.
    expect((await call(app, 'DELETE', `/me/sessions/${other.body.session.id}`, { bearer: tokens.accessToken })).status).toBe(204)
    // Tokens minted afterwards carry the same auth_time as the ledger.
    const refreshed = await call(app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } })
    const claims = JSON.parse(Buffer.from(refreshed.body.accessToken.split('.')[1], 'base64url').toString())
    expect(claims.auth_time).toBe(Math.floor(clock.now().getTime() / 1000))
  })
})

describe('POST /me/sessions/revoke-all', () => {
  it('ends every session but the current one', async () => {
    const { app, login, eventsOf } = await world()
    const { email, password, tokens, user } = await registerAndLogin(app)
    const others = [await login(email, password), await login(email, password)]
    const res = await call(app, 'POST', '/me/sessions/revoke-all', { bearer: tokens.accessToken })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ revoked: 2 })
    for (const other of others) expect((await introspect(app, other.body.accessToken)).body).toEqual({ active: false })
    expect((await introspect(app, tokens.accessToken)).body.active).toBe(true)
    expect(await eventsOf(user.id, 'sessions_revoked_all')).toHaveLength(1)
  })
})

describe('POST /me/password', () => {
  it('stores the new password, ends every earlier session (the caller too) and opens a new one', async () => {
    const { app, login, eventsOf } = await world()
    const { email, password, tokens, user } = await registerAndLogin(app)
    const other = await login(email, password)
    const newPassword = 'a whole new passphrase 2026'
    const res = await call(app, 'POST', '/me/password', { bearer: tokens.accessToken, json: { currentPassword: password, newPassword } })
    expect(res.status).toBe(200)
    expect(res.body.session.id).not.toBe(tokens.session.id)
    expect(res.body.session.current).toBe(true)
    for (const old of [tokens, other.body]) {
      expect((await introspect(app, old.accessToken)).body).toEqual({ active: false })
      const refresh = await call(app, 'POST', '/refresh', { json: { refreshToken: old.refreshToken } })
      expect(refresh.body).toMatchObject({ error: 'session_revoked', reason: 'password_changed' })
    }
    expect((await introspect(app, res.body.accessToken)).body.active).toBe(true)
    expect((await login(email, password)).status).toBe(401)
    expect((await login(email, newPassword)).status).toBe(200)
    expect(await eventsOf(user.id, 'password_changed')).toHaveLength(1)
  })

  it('answers 403 invalid_credentials for a wrong current password and changes nothing', async () => {
    const { app, login } = await world()
    const { email, password, tokens } = await registerAndLogin(app)
    const res = await call(app, 'POST', '/me/password', { bearer: tokens.accessToken, json: { currentPassword: 'nope nope nope', newPassword: 'another fine passphrase' } })
    expect(res.status).toBe(403)
    expect(res.body.error).toBe('invalid_credentials')
    expect((await introspect(app, tokens.accessToken)).body.active).toBe(true)
    expect((await login(email, password)).status).toBe(200)
  })

  it('answers 400 for a weak new password and changes nothing', async () => {
    const { app, login } = await world()
    const { email, password, tokens } = await registerAndLogin(app)
    const res = await call(app, 'POST', '/me/password', { bearer: tokens.accessToken, json: { currentPassword: password, newPassword: 'short' } })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_request')
    expect((await login(email, password)).status).toBe(200)
    expect((await introspect(app, tokens.accessToken)).body.active).toBe(true)
  })
})

describe('GET /me/security-events', () => {
  it('pages newest first with an opaque cursor', async () => {
    const { app, services, clock, login } = await world()
    const { email, password, tokens, user } = await registerAndLogin(app, { headers: { 'user-agent': CHROME } })
    await login(email, 'wrong password attempt')
    clock.advance(1_000)
    await login(email, password, IPHONE)
    const all: any[] = []
    let cursor: string | null = null
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2'
      const page: any = await call(app, 'GET', `/me/security-events${query}`, { bearer: tokens.accessToken })
      expect(page.status).toBe(200)
      expect(page.body.events.length).toBeLessThanOrEqual(2)
      all.push(...page.body.events)
      cursor = page.body.nextCursor
    } while (cursor)
    expect(all.map((event) => event.type)).toEqual(['new_device_login', 'login', 'login_failed', 'new_device_login', 'login'].slice(0, all.length))
    expect(all).toHaveLength((await services.db.select().from(securityEvents).where(eq(securityEvents.userId, user.id))).length)
    expect(all[1]).toMatchObject({ type: 'login', device: 'Safari on iOS', ip: null, location: null, sessionId: expect.any(String), at: expect.any(String), details: {} })
    const times = all.map((event) => event.at)
    expect([...times].sort().reverse()).toEqual(times)
  })

  it.each([
    '<img src=x onerror=alert(document.domain)>/1 (x',
    'Blocked sign-in. Restore access at https://evil.example/restore/1 (x',
  ])('a failed login by anyone (no credentials) cannot put its own text in the feed: %s', async (userAgent) => {
    const { app, login } = await world()
    const { email, tokens } = await registerAndLogin(app)
    expect((await login(email, 'attacker guess', userAgent)).status).toBe(401)
    const res = await call(app, 'GET', '/me/security-events', { bearer: tokens.accessToken })
    const failed = res.body.events.find((event: any) => event.type === 'login_failed')
    expect(failed.device).toBe('Unknown device')
  })

  const cursorOf = (text: string) => Buffer.from(text).toString('base64url')
  it.each([
    ['year 0000', cursorOf('0000-01-01T00:00:00.000Z|1')],
    ['30 February (no rolling over to March)', cursorOf('2026-02-30T00:00:00.000Z|1')],
    ['hour 24', cursorOf('2026-01-01T24:00:00.000Z|1')],
    ['an id past 2^53', cursorOf('2026-01-01T00:00:00.000Z|999999999999999999')],
    ['id 0', cursorOf('2026-01-01T00:00:00.000Z|0')],
    ['an id with a leading zero', cursorOf('2026-01-01T00:00:00.000Z|01')],
    ['base64 that is not how we write it', `${cursorOf('2026-01-01T00:00:00.000Z|1')}==`],
  ])('answers 400 invalid_request, never 5xx or a silent reinterpretation, for a crafted cursor: %s', async (_name, cursor) => {
    const { app } = await world()
    const { tokens } = await registerAndLogin(app)
    const res = await call(app, 'GET', `/me/security-events?cursor=${cursor}`, { bearer: tokens.accessToken })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ error: 'invalid_request', details: [{ path: ['cursor'] }] })
  })

  it.each(['limit=0', 'limit=101', 'limit=abc', 'cursor=garbage'])('answers 400 for %s', async (query) => {
    const { app } = await world()
    const { tokens } = await registerAndLogin(app)
    const res = await call(app, 'GET', `/me/security-events?${query}`, { bearer: tokens.accessToken })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_request')
  })
})

describe('new_device_login', () => {
  it('fires for a device+location pair the user has not logged in from before', async () => {
    const { app, login, eventsOf } = await world()
    const { email, password, user } = await registerAndLogin(app, { headers: { 'user-agent': CHROME } })
    await login(email, password, CHROME)
    expect(await eventsOf(user.id, 'new_device_login')).toHaveLength(1)
    await login(email, password, IPHONE)
    expect(await eventsOf(user.id, 'new_device_login')).toHaveLength(2)
  })
})

describe('MAX_SESSIONS_PER_USER', () => {
  it('evict_oldest: a new login ends the least recently active; its holder learns why', async () => {
    const { clock, eventsOf, ...limited } = await world({ MAX_SESSIONS_PER_USER: '2' })
    const { email, password, tokens, user } = await registerAndLogin(limited.app)
    clock.advance(1_000)
    const second = await call(limited.app, 'POST', '/login', { json: { email, password } })
    clock.advance(1_000)
    await call(limited.app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } }) // first is now fresher
    clock.advance(1_000)
    const third = await call(limited.app, 'POST', '/login', { json: { email, password } })
    expect(third.status).toBe(200)
    const refresh = await call(limited.app, 'POST', '/refresh', { json: { refreshToken: second.body.refreshToken } })
    expect(refresh.body).toMatchObject({ error: 'session_revoked', reason: 'evicted' })
    expect((await introspect(limited.app, second.body.accessToken)).body).toEqual({ active: false })
    expect(await eventsOf(user.id, 'session_evicted')).toEqual([expect.objectContaining({ sessionId: second.body.session.id })])
    expect(await eventsOf(user.id, 'new_login')).toHaveLength(1)
  })

  it('ten parallel logins with a limit of 1 leave exactly one active session', async () => {
    const { services, ...limited } = await world({ MAX_SESSIONS_PER_USER: '1' })
    const { email, password, user } = await registerAndLogin(limited.app)
    const results = await Promise.all(Array.from({ length: 10 }, () => call(limited.app, 'POST', '/login', { json: { email, password } })))
    expect(results.every((res) => res.status === 200)).toBe(true)
    const open = await services.sessions.listActive(user.id)
    expect(open).toHaveLength(1)
    const active = await Promise.all(results.map(async (res) => (await introspect(limited.app, res.body.accessToken)).body.active))
    expect(active.filter(Boolean)).toHaveLength(1)
  })

  it('reject: the login over the limit is 409 session_limit_reached and changes nothing', async () => {
    const { services, ...limited } = await world({ MAX_SESSIONS_PER_USER: '1', SESSION_LIMIT_POLICY: 'reject' })
    const { email, password, tokens, user } = await registerAndLogin(limited.app)
    const res = await call(limited.app, 'POST', '/login', { json: { email, password } })
    expect(res.status).toBe(409)
    expect(res.body.error).toBe('session_limit_reached')
    expect((await introspect(limited.app, tokens.accessToken)).body.active).toBe(true)
    expect(await services.sessions.listActive(user.id)).toHaveLength(1)
  })
})

