import { describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import { buildTestApp, call, introspect, registerAndLogin } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { refreshTokens, securityEvents, sessions } from '../../src/stores/schema.js'
import { hashToken } from '../../src/services/tokens.js'

/** Each test gets its own clock and app (and so its own refresh budget): moving the clock moves only its own. */
async function world(env: Record<string, string> = {}) {
  const clock = createFakeClock()
  const { app, services } = await buildTestApp({ clock, env })
  const refresh = (refreshToken: string, headers: Record<string, string> = {}) => call(app, 'POST', '/refresh', { json: { refreshToken }, headers })
  const sessionRow = async (id: string) => (await services.db.select().from(sessions).where(eq(sessions.id, id)))[0]!
  return { clock, app, services, refresh, sessionRow }
}

describe('POST /refresh: rotation', () => {
  it('retires the presented token and returns a new pair for the same session', async () => {
    const { app, services, clock, refresh } = await world()
    const { tokens } = await registerAndLogin(app)
    clock.advance(60_000)
    const res = await refresh(tokens.refreshToken)
    expect(res.status).toBe(200)
    expect(res.body.refreshToken).not.toBe(tokens.refreshToken)
    expect(res.body.accessToken).not.toBe(tokens.accessToken)
    expect(res.body.session.id).toBe(tokens.session.id)
    expect(res.body.session.current).toBe(true)
    expect(new Date(res.body.session.lastActiveAt).getTime()).toBe(clock.now().getTime())
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect((await introspect(app, res.body.accessToken)).body).toMatchObject({ active: true, sid: tokens.session.id })

    // Only hashes are stored: neither token appears in the ledger.
    const rows = await services.db.select().from(refreshTokens).where(eq(refreshTokens.sessionId, tokens.session.id))
    expect(rows).toHaveLength(2)
    const stored = JSON.stringify(rows)
    expect(stored).not.toContain(tokens.refreshToken)
    expect(stored).not.toContain(res.body.refreshToken)
    expect(rows.map((row) => row.tokenHash).sort()).toEqual([hashToken(tokens.refreshToken), hashToken(res.body.refreshToken)].sort())
  })

  it('keeps rotating along the chain', async () => {
    const { app, refresh } = await world()
    const { tokens } = await registerAndLogin(app)
    let current = tokens.refreshToken
    const seen = new Set([current])
    for (let i = 0; i < 5; i += 1) {
      const res = await refresh(current)
      expect(res.status).toBe(200)
      current = res.body.refreshToken
      expect(seen.has(current)).toBe(false)
      seen.add(current)
    }
  })

  it.each([
    ['an unknown token', { refreshToken: 'x'.repeat(43) }, 401, 'invalid_refresh_token'],
    ['a missing token', {}, 400, 'invalid_request'],
    ['a non-string token', { refreshToken: ['a'] }, 400, 'invalid_request'],
  ])('answers %s with %i %s', async (_label, json, status, error) => {
    const { app } = await world()
    const res = await call(app, 'POST', '/refresh', { json })
    expect(res.status).toBe(status)
    expect(res.body.error).toBe(error)
  })

  it('refuses an access token presented as a refresh token', async () => {
    const { app, refresh } = await world()
    const { tokens } = await registerAndLogin(app)
    expect((await refresh(tokens.accessToken)).body.error).toBe('invalid_refresh_token')
  })
})

describe('POST /refresh: idempotent grace', () => {
  it('a replay within REFRESH_REUSE_GRACE returns the same successor; the chain continues from it', async () => {
    const { app, clock, refresh, sessionRow } = await world()
    const { tokens } = await registerAndLogin(app)
    const first = await refresh(tokens.refreshToken)
    clock.advance(9_000)
    const replay = await refresh(tokens.refreshToken)
    expect(replay.status).toBe(200)
    expect(replay.body.refreshToken).toBe(first.body.refreshToken)
    expect((await introspect(app, replay.body.accessToken)).body.active).toBe(true)
    const next = await refresh(first.body.refreshToken)
    expect(next.status).toBe(200)
    expect((await sessionRow(tokens.session.id)).endedAt).toBeNull()
  })

  it('ten parallel refreshes with one token all succeed with one successor, and no theft is detected', async () => {
    const { app, services, refresh } = await world()
    const { tokens, user } = await registerAndLogin(app)
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(tokens.refreshToken)))
    expect(results.map((res) => res.status)).toEqual(Array(10).fill(200))
    expect(new Set(results.map((res) => res.body.refreshToken)).size).toBe(1)
    const rows = await services.db.select().from(refreshTokens).where(eq(refreshTokens.sessionId, tokens.session.id))
    expect(rows).toHaveLength(2) // the original and one successor: the chain never forked
    const events = await services.db
      .select()
      .from(securityEvents)
      .where(and(eq(securityEvents.userId, user.id), eq(securityEvents.type, 'refresh_token_reused')))
    expect(events).toHaveLength(0)
    expect((await refresh(results[0]!.body.refreshToken)).status).toBe(200)
  })

  it('only the immediate predecessor of the newest token gets the grace', async () => {
    const { app, clock, refresh } = await world()
    const { tokens } = await registerAndLogin(app)
    const second = await refresh(tokens.refreshToken)
    await refresh(second.body.refreshToken)
    clock.advance(1_000)
    const stale = await refresh(tokens.refreshToken) // two generations back, though within 10 s
    expect(stale.status).toBe(401)
    expect(stale.body.error).toBe('refresh_token_reused')
  })

  it('never applies to a token of a session that has ended', async () => {
    const { app, refresh } = await world()
    const { tokens } = await registerAndLogin(app)
    const next = await refresh(tokens.refreshToken)
    await call(app, 'POST', '/logout', { bearer: next.body.accessToken })
    const res = await refresh(tokens.refreshToken)
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ error: 'session_revoked', reason: 'logout' })
  })
})

describe('POST /refresh: theft detection', () => {
  it('a retired token after the grace revokes the whole session; neither side can go on', async () => {
    const { app, services, clock, refresh, sessionRow } = await world()
    const { tokens, user } = await registerAndLogin(app)
    const owner = await refresh(tokens.refreshToken)
    clock.advance(10_001)
    const thief = await refresh(tokens.refreshToken, { 'user-agent': 'curl/8.5.0' })
    expect(thief.status).toBe(401)
    expect(thief.body.error).toBe('refresh_token_reused')

    const next = await refresh(owner.body.refreshToken)
    expect(next.status).toBe(401)
    expect(next.body).toMatchObject({ error: 'session_revoked', reason: 'reuse_detected' })
    for (const accessToken of [tokens.accessToken, owner.body.accessToken]) {
      expect((await introspect(app, accessToken)).body).toEqual({ active: false })
    }
    expect((await sessionRow(tokens.session.id)).endReason).toBe('reuse_detected')
    const [event] = await services.db
      .select()
      .from(securityEvents)
      .where(and(eq(securityEvents.userId, user.id), eq(securityEvents.type, 'refresh_token_reused')))
    expect(event).toMatchObject({ sessionId: tokens.session.id, device: 'curl 8.5', at: clock.now() })
  })

  it('is seen at once by another instance', async () => {
    const { app, clock, refresh } = await world()
    const { tokens } = await registerAndLogin(app)
    const other = await buildTestApp({ clock })
    const owner = await refresh(tokens.refreshToken)
    clock.advance(11_000)
    expect((await call(other.app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } })).status).toBe(401)
    expect((await introspect(app, owner.body.accessToken)).body).toEqual({ active: false })
  })
})

describe('timeouts', () => {
  it('an idle session expires: 401 session_expired on refresh', async () => {
    const { clock, ...idle } = await world({ SESSION_IDLE_TIMEOUT: '1h' })
    const { tokens } = await registerAndLogin(idle.app)
    clock.advance(59 * 60_000)
    const alive = await call(idle.app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } })
    expect(alive.status).toBe(200) // activity moves the idle end
    clock.advance(60 * 60_000 + 1)
    const res = await call(idle.app, 'POST', '/refresh', { json: { refreshToken: alive.body.refreshToken } })
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('session_expired')
  })

  it('idle expiry shorter than the access TTL caps the access token', async () => {
    const { clock, ...idle } = await world({ SESSION_IDLE_TIMEOUT: '5m', ACCESS_TOKEN_TTL: '15m' })
    const { tokens } = await registerAndLogin(idle.app)
    expect(tokens.expiresIn).toBe(300)
    clock.advance(5 * 60_000 + 6_000)
    expect((await introspect(idle.app, tokens.accessToken)).body).toEqual({ active: false })
  })

  it('no session outlives SESSION_ABSOLUTE_TTL, however active; access tokens end with it', async () => {
    const { clock, ...strict } = await world({ SESSION_ABSOLUTE_TTL: '1h', SESSION_IDLE_TIMEOUT: '30m' })
    const { tokens } = await registerAndLogin(strict.app)
    const loginAt = clock.now().getTime()
    let current = tokens.refreshToken
    let last: any
    for (let minute = 20; minute <= 50; minute += 10) {
      clock.set(new Date(loginAt + minute * 60_000))
      last = await call(strict.app, 'POST', '/refresh', { json: { refreshToken: current } })
      expect(last.status).toBe(200)
      current = last.body.refreshToken
    }
    // Issued at minute 50: 15 min would reach minute 65, but the session ends at minute 60.
    expect(last.body.expiresIn).toBe(600)
    expect(new Date(last.body.refreshTokenExpiresAt).getTime()).toBe(loginAt + 60 * 60_000)
    clock.set(new Date(loginAt + 60 * 60_000 + 6_000))
    expect((await introspect(strict.app, last.body.accessToken)).body).toEqual({ active: false })
    const res = await call(strict.app, 'POST', '/refresh', { json: { refreshToken: current } })
    expect(res.body.error).toBe('session_expired')
  })
})
