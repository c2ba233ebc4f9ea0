import { describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { buildTestApp, call, registerAndLogin, type CallResult } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { CookieJar, parseSetCookie, type SetCookie } from '../support/cookie-jar.js'
import { refreshTokens, sessions } from '../../src/stores/schema.js'

// The cookie transport over HTTP, through the real app: what a browser sends and gets back.

const ACCESS = '__Host-sessiond_access'
const REFRESH = '__Host-sessiond_refresh'
const DEVICE = '__Host-sessiond_device'
const COOKIE_MODE = { 'sessiond-transport': 'cookie' }
const ATTRIBUTES = { path: '/', httponly: true, secure: true, samesite: 'Strict' }

async function world(env: Record<string, string> = {}) {
  const clock = createFakeClock()
  const built = await buildTestApp({ clock, env })
  const { app, services } = built
  /** A user signed in with the cookie transport: the jar is their browser. */
  const browser = async (options: { userAgent?: string } = {}) => {
    const jar = new CookieJar()
    const headers = { ...COOKIE_MODE, ...(options.userAgent ? { 'user-agent': options.userAgent } : {}) }
    const signedIn = await registerAndLogin(app, { headers, jar })
    return { ...signedIn, jar, login: signedIn.tokens }
  }
  const sessionRow = async (id: string) => (await services.db.select().from(sessions).where(eq(sessions.id, id)))[0]!
  return { ...built, clock, browser, sessionRow }
}

const setCookies = (res: CallResult): SetCookie[] => res.headers.getSetCookie().map(parseSetCookie)
const named = (res: CallResult, name: string) => setCookies(res).find((cookie) => cookie.name === name)

/** Both session cookies expired, with the attributes they were set with. */
function expectBothCleared(res: CallResult) {
  for (const name of [ACCESS, REFRESH]) expect(named(res, name), name).toEqual({ name, value: '', attributes: { 'max-age': '0', ...ATTRIBUTES } })
}

describe('POST /login with Sessiond-Transport: cookie', () => {
  it('answers the TokenPair without tokens and sets both __Host- cookies (Secure; HttpOnly; SameSite=Strict; Path=/; no Domain)', async () => {
    const { app, clock } = await world()
    const { email, password } = await registerAndLogin(app)
    const res = await call(app, 'POST', '/login', { json: { email, password }, headers: COOKIE_MODE })
    expect(res.status).toBe(200)
    expect(Object.keys(res.body).sort()).toEqual(['expiresIn', 'refreshTokenExpiresAt', 'session', 'tokenType'])
    expect(res.body).toMatchObject({ tokenType: 'cookie', expiresIn: 900, session: { current: true } })

    const access = named(res, ACCESS)!
    const refresh = named(res, REFRESH)!
    expect(access.attributes).toEqual({ 'max-age': String(res.body.expiresIn), ...ATTRIBUTES })
    const untilRefreshExpiry = Math.floor((Date.parse(res.body.refreshTokenExpiresAt) - clock.now().getTime()) / 1000)
    expect(refresh.attributes).toEqual({ 'max-age': String(untilRefreshExpiry), ...ATTRIBUTES })
    expect(access.value).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(refresh.value.length).toBeGreaterThanOrEqual(43)
    for (const line of res.headers.getSetCookie()) expect(line).not.toMatch(/domain=/i)
    // The device cookie of finding 4 still comes with every successful login.
    expect(named(res, DEVICE)).toMatchObject({ attributes: { path: '/', secure: true, httponly: true, samesite: 'Strict' } })
    // No token string anywhere in the body.
    expect(JSON.stringify(res.body)).not.toContain(access.value)
    expect(JSON.stringify(res.body)).not.toContain(refresh.value)
  })

  it('without the header answers the Bearer pair in the body and sets no session cookie', async () => {
    const { app } = await world()
    const { email, password } = await registerAndLogin(app)
    const res = await call(app, 'POST', '/login', { json: { email, password } })
    expect(res.body.tokenType).toBe('Bearer')
    expect(setCookies(res).map((cookie) => cookie.name)).toEqual([DEVICE])
  })

  it('a failed cookie-mode login sets no session cookie', async () => {
    const { app } = await world()
    const { email } = await registerAndLogin(app)
    const res = await call(app, 'POST', '/login', { json: { email, password: 'wrong password, clearly' }, headers: COOKIE_MODE })
    expect(res.status).toBe(401)
    expect(setCookies(res)).toEqual([])
  })
})

describe('the access cookie on bearer routes', () => {
  it('authenticates every bearer route when no Authorization header is sent', async () => {
    const { app, browser } = await world()
    const { jar, user, login } = await browser()
    const me = await call(app, 'GET', '/me', { jar })
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({ user, session: { id: login.session.id, current: true } })
    expect((await call(app, 'GET', '/me/sessions', { jar })).body.sessions).toEqual([expect.objectContaining({ id: login.session.id, current: true })])
    expect((await call(app, 'GET', '/me/security-events', { jar })).status).toBe(200)
    expect((await call(app, 'POST', '/me/reauthenticate', { jar, json: { password: 'correct horse battery staple' } })).status).toBe(200)
    expect((await call(app, 'POST', '/me/sessions/revoke-all', { jar })).body).toEqual({ revoked: 0 })
  })

  it('a request with both is judged by the Authorization header', async () => {
    const { app, browser } = await world()
    const alice = await browser()
    const bob = await registerAndLogin(app)
    // Bob's bearer token with Alice's cookies: Bob.
    expect((await call(app, 'GET', '/me', { jar: alice.jar, bearer: bob.tokens.accessToken })).body.user).toEqual(bob.user)
    // A bad bearer token does not fall back to a good cookie.
    const bad = await call(app, 'GET', '/me', { jar: alice.jar, bearer: 'not-a-token' })
    expect(bad.status).toBe(401)
    expect(bad.body.error).toBe('invalid_token')
    // Another scheme counts as a header too: no bearer token, so unauthorized.
    expect((await call(app, 'GET', '/me', { jar: alice.jar, headers: { authorization: 'Basic eDp5' } })).body.error).toBe('unauthorized')
    // A malformed Bearer header is 400 as ever, whatever the cookies say.
    expect((await call(app, 'GET', '/me', { jar: alice.jar, headers: { authorization: 'Bearer a b' } })).status).toBe(400)
  })

  it('an access cookie whose session has ended is 401 invalid_token', async () => {
    const { app, browser } = await world()
    const { jar } = await browser()
    const stolen = jar.clone()
    expect((await call(app, 'POST', '/logout', { jar })).status).toBe(204)
    const res = await call(app, 'GET', '/me', { jar: stolen })
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('invalid_token')
    expect((await call(app, 'GET', '/me', { jar: new CookieJar().set(ACCESS, 'x'.repeat(10)) })).body.error).toBe('invalid_token')
  })
})

describe('POST /refresh with no body (the refresh cookie)', () => {
  it('rotates the refresh cookie as the Bearer flow does and sets both cookies again', async () => {
    const { app, browser, clock, services } = await world()
    const { jar, login } = await browser()
    const first = jar.get(REFRESH)!
    clock.advance(60_000)
    const res = await call(app, 'POST', '/refresh', { jar })
    expect(res.status).toBe(200)
    expect(Object.keys(res.body).sort()).toEqual(['expiresIn', 'refreshTokenExpiresAt', 'session', 'tokenType'])
    expect(res.body).toMatchObject({ tokenType: 'cookie', session: { id: login.session.id, current: true } })
    expect(named(res, ACCESS)!.attributes).toEqual({ 'max-age': String(res.body.expiresIn), ...ATTRIBUTES })
    expect(named(res, REFRESH)!.attributes['max-age']).toBe(String(Math.floor((Date.parse(res.body.refreshTokenExpiresAt) - clock.now().getTime()) / 1000)))
    const second = jar.get(REFRESH)!
    expect(second).not.toBe(first)
    expect(JSON.stringify(res.body)).not.toContain(second)
    const generations = await services.db.select().from(refreshTokens).where(eq(refreshTokens.sessionId, login.session.id))
    expect(generations.map((token) => [token.generation, token.retiredAt !== null]).sort()).toEqual([
      [0, true],
      [1, false],
    ])
    expect((await call(app, 'GET', '/me', { jar })).status).toBe(200)
  })

  it('a parallel tab replaying the old cookie within the grace gets the same successor; later it is theft, and the 401 expires both cookies', async () => {
    const { app, browser, clock, sessionRow } = await world()
    const { jar, login } = await browser()
    const otherTab = jar.clone()
    await call(app, 'POST', '/refresh', { jar })
    clock.advance(5_000)
    const grace = await call(app, 'POST', '/refresh', { jar: otherTab })
    expect(grace.status).toBe(200)
    expect(otherTab.get(REFRESH)).toBe(jar.get(REFRESH))

    const thief = otherTab.clone() // holds generation 1, which the owner is about to retire
    clock.advance(1_000)
    await call(app, 'POST', '/refresh', { jar }) // the owner rotates on
    clock.advance(11_000)
    const replay = await call(app, 'POST', '/refresh', { jar: thief }) // a retired token, outside the grace
    expect(replay.status).toBe(401)
    expect(replay.body.error).toBe('refresh_token_reused')
    expectBothCleared(replay)
    expect(thief.names()).toEqual([DEVICE])
    expect((await sessionRow(login.session.id)).endReason).toBe('reuse_detected')
    const owner = await call(app, 'POST', '/refresh', { jar })
    expect(owner.body).toMatchObject({ error: 'session_revoked', reason: 'reuse_detected' })
    expectBothCleared(owner)
  })

  it('no body and no refresh cookie is 401 invalid_refresh_token, expiring both cookies', async () => {
    const { app } = await world()
    const res = await call(app, 'POST', '/refresh')
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('invalid_refresh_token')
    expectBothCleared(res)
    // A body is the Bearer flow: its 401s leave cookies alone.
    const bearer = await call(app, 'POST', '/refresh', { json: { refreshToken: 'unknown-token' } })
    expect(bearer.status).toBe(401)
    expect(setCookies(bearer)).toEqual([])
  })

  it('a body wins over the cookie: the Bearer flow, tokens in the body, no cookies set', async () => {
    const { app, browser } = await world()
    const { jar } = await browser()
    const cookie = jar.get(REFRESH)!
    const res = await call(app, 'POST', '/refresh', { jar, json: { refreshToken: cookie } })
    expect(res.status).toBe(200)
    expect(res.body.tokenType).toBe('Bearer')
    expect(setCookies(res)).toEqual([])
  })
})

describe('POST /logout with the session cookies', () => {
  it('ends the session and expires both cookies; again (already ended) is still 204 and expires them', async () => {
    const { app, browser, sessionRow } = await world()
    const { jar, login } = await browser()
    const before = jar.clone()
    const res = await call(app, 'POST', '/logout', { jar })
    expect(res.status).toBe(204)
    expectBothCleared(res)
    expect(jar.names()).toEqual([DEVICE]) // the device cookie stays: it holds no session
    expect((await sessionRow(login.session.id)).endReason).toBe('logout')
    const again = await call(app, 'POST', '/logout', { jar: before })
    expect(again.status).toBe(204)
    expectBothCleared(again)
  })

  it('ends the session by the refresh cookie when the access cookie no longer verifies', async () => {
    const { app, browser, clock, sessionRow } = await world()
    const { jar, login } = await browser()
    clock.advance(16 * 60_000) // past the access token's 15 min; the browser still sends the cookie
    const res = await call(app, 'POST', '/logout', { jar })
    expect(res.status).toBe(204)
    expectBothCleared(res)
    expect((await sessionRow(login.session.id)).endReason).toBe('logout')
    // A forged access cookie alone ends nothing and still clears.
    const forged = await call(app, 'POST', '/logout', { jar: new CookieJar().set(ACCESS, 'eyJhbGciOiJFZERTQSJ9.e30.AAAA') })
    expect(forged.status).toBe(204)
    expectBothCleared(forged)
  })

  it('with a Bearer header as well, the header names the session and the cookies are left alone', async () => {
    const { app, browser, sessionRow } = await world()
    const alice = await browser()
    const bob = await registerAndLogin(app)
    const res = await call(app, 'POST', '/logout', { jar: alice.jar, bearer: bob.tokens.accessToken })
    expect(res.status).toBe(204)
    expect(setCookies(res)).toEqual([])
    expect((await sessionRow(bob.tokens.session.id)).endReason).toBe('logout')
    expect((await sessionRow(alice.login.session.id)).endedAt).toBeNull()
  })
})

describe('POST /me/password with Sessiond-Transport: cookie', () => {
  it('sets the new session as the cookies, with no token in the body; the old session is over', async () => {
    const { app, browser, sessionRow } = await world()
    const { jar, login, password } = await browser()
    const old = jar.clone()
    const res = await call(app, 'POST', '/me/password', { jar, headers: COOKIE_MODE, json: { currentPassword: password, newPassword: 'lunar kettle drums at noon' } })
    expect(res.status).toBe(200)
    expect(Object.keys(res.body).sort()).toEqual(['expiresIn', 'refreshTokenExpiresAt', 'session', 'tokenType'])
    expect(res.body.tokenType).toBe('cookie')
    expect(res.body.session.id).not.toBe(login.session.id)
    expect(JSON.stringify(res.body)).not.toContain(jar.get(ACCESS)!)
    expect(JSON.stringify(res.body)).not.toContain(jar.get(REFRESH)!)
    expect((await call(app, 'GET', '/me', { jar })).body.session.id).toBe(res.body.session.id)
    expect((await sessionRow(login.session.id)).endReason).toBe('password_changed')
    expect((await call(app, 'GET', '/me', { jar: old })).status).toBe(401)
  })
})

describe('no token string in a body or a log', () => {
  it('holds for a whole cookie-mode session: login, calls, refresh, password change, logout', async () => {
    const { app, browser, logs } = await world()
    const { jar, password } = await browser()
    const seen = new Set<string>()
    const bodies: string[] = []
    const remember = (res: CallResult) => {
      bodies.push(JSON.stringify(res.body))
      for (const name of [ACCESS, REFRESH]) {
        const value = jar.get(name)
        if (value) seen.add(value)
      }
    }
    remember(await call(app, 'GET', '/me', { jar }))
    remember(await call(app, 'GET', '/me/sessions', { jar }))
    remember(await call(app, 'POST', '/refresh', { jar }))
    remember(await call(app, 'POST', '/me/password', { jar, headers: COOKIE_MODE, json: { currentPassword: password, newPassword: 'lunar kettle drums at noon' } }))
    remember(await call(app, 'POST', '/refresh', { jar }))
    remember(await call(app, 'GET', '/me/sessions?state=ended', { jar }))
    remember(await call(app, 'POST', '/logout', { jar }))
    expect(seen.size).toBeGreaterThanOrEqual(6)
    const logText = logs.join('')
    for (const token of seen) {
      for (const body of bodies) expect(body).not.toContain(token)
      expect(logText).not.toContain(token)
    }
  })
})
