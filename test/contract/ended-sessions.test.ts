import { describe, expect, it } from 'vitest'
import { buildTestApp, call, registerAndLogin, STRONG_PASSWORD } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { CookieJar } from '../support/cookie-jar.js'

// GET /me/sessions?state=ended: every way a session ends shows up with its reason and its time.

const ADMIN_KEY = 'admin-key-ended-sessions-0123456789-abcdef'
const MINUTE = 60_000
const DAY = 86_400_000
const NEW_PASSWORD = 'lunar kettle drums at noon'

async function world(env: Record<string, string> = {}) {
  const clock = createFakeClock()
  const { app } = await buildTestApp({ clock, env: { ADMIN_API_KEY: ADMIN_KEY, ...env } })
  const at = () => clock.now().toISOString()
  const login = async (email: string, password = STRONG_PASSWORD) => (await call(app, 'POST', '/login', { json: { email, password } })).body
  const ended = async (auth: { bearer?: string; jar?: CookieJar }) => {
    const res = await call(app, 'GET', '/me/sessions?state=ended', auth)
    expect(res.status).toBe(200)
    return res.body.sessions as Array<{ id: string; endReason: string; endedAt: string; reasonNote: string | null; current: boolean }>
  }
  const summary = (sessions: Awaited<ReturnType<typeof ended>>) => sessions.map((s) => [s.id, s.endReason, s.endedAt, s.reasonNote])
  return { clock, app, at, login, ended, summary }
}

describe('GET /me/sessions?state=ended', () => {
  it('lists every way a session ends, with its endReason and endedAt, most recently ended first', async () => {
    const { app, clock, at, login, ended, summary } = await world({ MAX_SESSIONS_PER_USER: '3' })
    // The caller is a browser (cookie transport), so it can stay alive across days by refreshing.
    const jar = new CookieJar()
    const { email } = await registerAndLogin(app, { headers: { 'sessiond-transport': 'cookie' }, jar })
    const expected: Array<[string, string, string, string | null]> = []
    const step = () => clock.advance(MINUTE)

    step()
    const a = await login(email)
    await call(app, 'POST', '/logout', { bearer: a.accessToken })
    expected.push([a.session.id, 'logout', at(), null])

    step()
    const b = await login(email)
    await call(app, 'DELETE', `/me/sessions/${b.session.id}`, { jar })
    expected.push([b.session.id, 'revoked', at(), null])

    step()
    const c = await login(email)
    await call(app, 'POST', '/refresh', { json: { refreshToken: c.refreshToken } })
    clock.advance(11_000) // past the 10 s grace: replaying the retired token is theft
    await call(app, 'POST', '/refresh', { json: { refreshToken: c.refreshToken } })
    expected.push([c.session.id, 'reuse_detected', at(), null])

    step()
    const d = await login(email)
    expect((await call(app, 'DELETE', `/admin/sessions/${d.session.id}`, { bearer: ADMIN_KEY, json: { reason: 'Reported lost by the owner' } })).status).toBe(204)
    expected.push([d.session.id, 'admin', at(), 'Reported lost by the owner'])

    // e goes idle; the browser keeps refreshing. After 7 days e has timed out: expired at its idle end.
    step()
    const e = await login(email)
    const eIdleEnd = new Date(clock.now().getTime() + 7 * DAY).toISOString()
    for (let i = 0; i < 4; i++) {
      clock.advance(2 * DAY)
      expect((await call(app, 'POST', '/refresh', { jar })).status).toBe(200)
    }
    expected.push([e.session.id, 'expired', eIdleEnd, null])

    // A password change ends every other session (and the caller's, which it replaces). e, already
    // timed out, stays "expired" at its expiry although the bulk end stamps its row too.
    step()
    const f = await login(email)
    const callerBefore = (await call(app, 'GET', '/me', { jar })).body.session.id
    const changed = await call(app, 'POST', '/me/password', { jar, headers: { 'sessiond-transport': 'cookie' }, json: { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD } })
    expect(changed.status).toBe(200)
    expected.push([callerBefore, 'password_changed', at(), null], [f.session.id, 'password_changed', at(), null])

    // Over MAX_SESSIONS_PER_USER (3) the least recently active session is evicted.
    step()
    const g = await login(email, NEW_PASSWORD)
    step()
    await login(email, NEW_PASSWORD)
    step()
    await call(app, 'GET', '/me', { jar }) // the caller is now more recent than g
    await login(email, NEW_PASSWORD)
    expected.push([g.session.id, 'evicted', at(), null])

    const listed = await ended({ jar })
    expect(listed.every((session) => session.current === false)).toBe(true)
    const byEndedDesc = [...expected].sort((x, y) => y[2].localeCompare(x[2]))
    // Ties (the password change ends two at once) in any order.
    expect(summary(listed).map(([, , endedAt]) => endedAt)).toEqual(byEndedDesc.map(([, , endedAt]) => endedAt))
    expect(summary(listed)).toEqual(expect.arrayContaining(byEndedDesc))
    expect(listed).toHaveLength(expected.length)
  })

  it('account_disabled: the operator disabled the account (seen after it is enabled again)', async () => {
    const { app, at, login, ended, summary } = await world()
    const { email, user, tokens } = await registerAndLogin(app)
    expect((await call(app, 'POST', `/admin/users/${user.id}/disable`, { bearer: ADMIN_KEY })).status).toBe(200)
    const disabledAt = at()
    expect((await call(app, 'POST', `/admin/users/${user.id}/enable`, { bearer: ADMIN_KEY })).status).toBe(200)
    const fresh = await login(email)
    expect(summary(await ended({ bearer: fresh.accessToken }))).toEqual([[tokens.session.id, 'account_disabled', disabledAt, null]])
  })

  it('a session past its absolute end is expired at that end, however active it was', async () => {
    const { app, clock, login, ended, summary } = await world({ SESSION_ABSOLUTE_TTL: '2h' })
    const { email, tokens } = await registerAndLogin(app)
    const absoluteEnd = new Date(clock.now().getTime() + 2 * 3_600_000).toISOString()
    let refreshToken = tokens.refreshToken
    for (let i = 0; i < 3; i++) {
      clock.advance(30 * MINUTE)
      refreshToken = (await call(app, 'POST', '/refresh', { json: { refreshToken } })).body.refreshToken
    }
    clock.advance(31 * MINUTE)
    const fresh = await login(email)
    expect(summary(await ended({ bearer: fresh.accessToken }))).toEqual([[tokens.session.id, 'expired', absoluteEnd, null]])
    // It is not in the active list.
    expect((await call(app, 'GET', '/me/sessions', { bearer: fresh.accessToken })).body.sessions.map((s: { id: string }) => s.id)).toEqual([fresh.session.id])
  })

  it("never shows another user's sessions, nor active ones", async () => {
    const { app, ended } = await world()
    const alice = await registerAndLogin(app)
    const bob = await registerAndLogin(app)
    await call(app, 'POST', '/logout', { bearer: bob.tokens.accessToken })
    expect(await ended({ bearer: alice.tokens.accessToken })).toEqual([])
  })

  it('keeps to SESSION_RETENTION: a session that ended (or expired) longer ago is not listed', async () => {
    const { app, clock, login, ended, summary, at } = await world({ SESSION_RETENTION: '2h', SESSION_IDLE_TIMEOUT: '1h' })
    const { email, tokens } = await registerAndLogin(app)
    const idle = await login(email)
    const idleEnd = new Date(clock.now().getTime() + 3_600_000).toISOString()
    await call(app, 'POST', '/logout', { bearer: tokens.accessToken })
    const loggedOutAt = at()
    clock.advance(119 * MINUTE)
    let caller = await login(email)
    expect(summary(await ended({ bearer: caller.accessToken }))).toEqual([
      [idle.session.id, 'expired', idleEnd, null],
      [tokens.session.id, 'logout', loggedOutAt, null],
    ])
    clock.advance(2 * MINUTE) // the logout is now 2 h 1 min ago; the idle end 1 h 1 min ago
    caller = await login(email)
    expect(summary(await ended({ bearer: caller.accessToken }))).toEqual([[idle.session.id, 'expired', idleEnd, null]])
    clock.advance(60 * MINUTE)
    caller = await login(email)
    // Both are past retention now; the callers of a minute and of an hour ago are not over yet.
    const listed = summary(await ended({ bearer: caller.accessToken }))
    expect(listed.map(([id]) => id)).not.toContain(idle.session.id)
    expect(listed.map(([id]) => id)).not.toContain(tokens.session.id)
  })

  it('state=active (or none) is the active list; any other state is 400 invalid_request', async () => {
    const { app } = await world()
    const { tokens } = await registerAndLogin(app)
    const active = await call(app, 'GET', '/me/sessions?state=active', { bearer: tokens.accessToken })
    expect(active.body).toEqual((await call(app, 'GET', '/me/sessions', { bearer: tokens.accessToken })).body)
    for (const state of ['ENDED', 'all', '']) {
      const res = await call(app, 'GET', `/me/sessions?state=${state}`, { bearer: tokens.accessToken })
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ error: 'invalid_request', details: [{ path: ['state'] }] })
    }
  })
})
