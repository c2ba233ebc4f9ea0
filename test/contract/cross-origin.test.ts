import { describe, expect, it } from 'vitest'
import { and, eq, isNull } from 'drizzle-orm'
import { buildTestApp, call, fetchJson, listen, registerAndLogin, STRONG_PASSWORD, type CallResult } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { CookieJar } from '../support/cookie-jar.js'
import { spec } from '../support/openapi.js'
import { refreshTokens, sessions } from '../../src/stores/schema.js'

// Cross-origin protection (Go's net/http.CrossOriginProtection) and credentialed CORS, over HTTP.
// Every refused request must change nothing: the tests look in the ledger afterwards.

const LISTED = 'https://app.example.test'
const UNLISTED_SIBLING = 'https://evil.example.test' // same site as a listed origin, another origin
const CROSS_SITE = 'https://evil.example'
const COOKIE_MODE = { 'sessiond-transport': 'cookie' }

async function world(env: Record<string, string> = {}) {
  const clock = createFakeClock()
  const built = await buildTestApp({ clock, env: { BROWSER_ORIGINS: LISTED, ...env } })
  const { app, services } = built
  /** A user with two sessions: `jar` (a browser, cookie transport) and another one (bearer). */
  const victim = async () => {
    const jar = new CookieJar()
    const signedIn = await registerAndLogin(app, { headers: COOKIE_MODE, jar })
    const other = await call(app, 'POST', '/login', { json: { email: signedIn.email, password: signedIn.password } })
    return { ...signedIn, jar, sessionId: signedIn.tokens.session.id, other: other.body }
  }
  const activeSessionIds = async (userId: string) =>
    (await services.db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.userId, userId), isNull(sessions.endedAt)))).map((row) => row.id).sort()
  return { ...built, clock, victim, activeSessionIds }
}

function expectRefused(res: CallResult) {
  expect(res.status).toBe(403)
  expect(res.body).toEqual({ error: 'cross_origin_request', message: 'Cross-origin requests are not allowed here.' })
  expect(res.headers.getSetCookie()).toEqual([])
}

/** The browser headers of each case, for a cookie-authenticated body-less POST /me/sessions/revoke-all. */
const CASES: Array<[string, Record<string, string>, 'allow' | 'deny']> = [
  ['a cross-site Origin (no Sec-Fetch-Site)', { origin: CROSS_SITE }, 'deny'],
  ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', origin: CROSS_SITE }, 'deny'],
  ['Sec-Fetch-Site: cross-site without an Origin', { 'sec-fetch-site': 'cross-site' }, 'deny'],
  ['Sec-Fetch-Site: same-site from an unlisted origin', { 'sec-fetch-site': 'same-site', origin: UNLISTED_SIBLING }, 'deny'],
  ['Origin: null (a sandboxed page)', { origin: 'null' }, 'deny'],
  ['a listed origin (cross-site)', { 'sec-fetch-site': 'cross-site', origin: LISTED }, 'allow'],
  ['a listed origin (no Sec-Fetch-Site)', { origin: LISTED }, 'allow'],
  ['Sec-Fetch-Site: same-origin', { 'sec-fetch-site': 'same-origin', origin: 'http://localhost' }, 'allow'],
  ['Sec-Fetch-Site: none (typed into the address bar)', { 'sec-fetch-site': 'none' }, 'allow'],
  ["sessiond's own origin, from Host (no PUBLIC_URL)", { origin: 'http://localhost' }, 'allow'],
  ['no Origin and no Sec-Fetch-Site at all (curl)', {}, 'allow'],
]

describe('cookie-authenticated unsafe requests', () => {
  it.each(CASES)('POST /me/sessions/revoke-all (no body) with %s → %s', async (_name, headers, verdict) => {
    const { app, victim, activeSessionIds } = await world()
    const { jar, user, sessionId, other } = await victim()
    const res = await call(app, 'POST', '/me/sessions/revoke-all', { jar, headers })
    if (verdict === 'deny') {
      expectRefused(res)
      expect(await activeSessionIds(user.id)).toEqual([sessionId, other.session.id].sort())
    } else {
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ revoked: 1 })
      expect(await activeSessionIds(user.id)).toEqual([sessionId])
    }
  })

  it('POST /logout with the cookies from a cross-site page is 403: the session stays, the cookies stay', async () => {
    const { app, victim, activeSessionIds } = await world()
    const { jar, user, sessionId, other } = await victim()
    expectRefused(await call(app, 'POST', '/logout', { jar, headers: { 'sec-fetch-site': 'cross-site', origin: CROSS_SITE } }))
    expectRefused(await call(app, 'POST', '/logout', { jar, headers: { origin: CROSS_SITE } }))
    expect(await activeSessionIds(user.id)).toEqual([sessionId, other.session.id].sort())
    expect((await call(app, 'GET', '/me', { jar })).status).toBe(200)
    // Same-origin, it works.
    expect((await call(app, 'POST', '/logout', { jar, headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(204)
    expect(await activeSessionIds(user.id)).toEqual([other.session.id])
  })

  it('DELETE /me/sessions/:id, POST /me/password and body-less POST /refresh cross-site are 403 and change nothing', async () => {
    const { app, victim, activeSessionIds, services } = await world()
    const { jar, user, email, sessionId, other } = await victim()
    const crossSite = { 'sec-fetch-site': 'cross-site', origin: CROSS_SITE }
    expectRefused(await call(app, 'DELETE', `/me/sessions/${other.session.id}`, { jar, headers: crossSite }))
    expectRefused(await call(app, 'POST', '/me/password', { jar, headers: crossSite, json: { currentPassword: STRONG_PASSWORD, newPassword: 'lunar kettle drums at noon' } }))
    expectRefused(await call(app, 'POST', '/me/reauthenticate', { jar, headers: crossSite, json: { password: STRONG_PASSWORD } }))
    expectRefused(await call(app, 'POST', '/refresh', { jar, headers: crossSite }))
    expect(await activeSessionIds(user.id)).toEqual([sessionId, other.session.id].sort())
    // The refresh cookie was not rotated, and the password is the old one.
    const tokens = await services.db.select().from(refreshTokens).where(eq(refreshTokens.sessionId, sessionId))
    expect(tokens.map((token) => [token.generation, token.retiredAt])).toEqual([[0, null]])
    expect((await call(app, 'POST', '/login', { json: { email, password: STRONG_PASSWORD } })).status).toBe(200)
  })

  it('GET is never refused: it changes nothing', async () => {
    const { app, victim } = await world()
    const { jar } = await victim()
    const crossSite = { 'sec-fetch-site': 'cross-site', origin: CROSS_SITE }
    expect((await call(app, 'GET', '/me/sessions', { jar, headers: crossSite })).status).toBe(200)
    expect((await call(app, 'GET', '/me', { jar, headers: crossSite })).status).toBe(200)
  })

  it('with PUBLIC_URL, only that origin is sessiond’s own', async () => {
    const { app, victim, activeSessionIds } = await world({ PUBLIC_URL: 'https://sessiond.example.test/base' })
    const { jar, user, sessionId, other } = await victim()
    expectRefused(await call(app, 'POST', '/me/sessions/revoke-all', { jar, headers: { origin: 'http://localhost' } }))
    expect(await activeSessionIds(user.id)).toEqual([sessionId, other.session.id].sort())
    expect((await call(app, 'POST', '/me/sessions/revoke-all', { jar, headers: { origin: 'https://sessiond.example.test' } })).body).toEqual({ revoked: 1 })
  })
})

describe('Bearer requests are not subject to it', () => {
  it('a bearer request from anywhere is judged by its token alone', async () => {
    const { app, victim, activeSessionIds } = await world()
    const { user, sessionId, other } = await victim()
    const res = await call(app, 'POST', '/me/sessions/revoke-all', { bearer: other.accessToken, headers: { 'sec-fetch-site': 'cross-site', origin: CROSS_SITE } })
    expect(res.status).toBe(200)
    expect(await activeSessionIds(user.id)).toEqual([other.session.id])
    expect(sessionId).not.toBe(other.session.id)
  })

  it('a request carrying both a cookie and a bearer token is judged by the header, not refused', async () => {
    const { app, victim, activeSessionIds } = await world()
    const { jar, user, other } = await victim()
    const res = await call(app, 'POST', '/me/sessions/revoke-all', { jar, bearer: other.accessToken, headers: { origin: CROSS_SITE } })
    expect(res.status).toBe(200)
    // The bearer's session is the one that stays.
    expect(await activeSessionIds(user.id)).toEqual([other.session.id])
  })
})

describe('login CSRF', () => {
  it('a cookie-mode POST /login from a foreign origin is 403: no cookie, no session', async () => {
    const { app, activeSessionIds } = await world()
    const { email, password, user, tokens } = await registerAndLogin(app)
    const foreign: Record<string, string>[] = [{ origin: CROSS_SITE }, { 'sec-fetch-site': 'cross-site', origin: CROSS_SITE }, { 'sec-fetch-site': 'same-site', origin: UNLISTED_SIBLING }]
    for (const headers of foreign) {
      expectRefused(await call(app, 'POST', '/login', { json: { email, password }, headers: { ...COOKIE_MODE, ...headers } }))
    }
    expect(await activeSessionIds(user.id)).toEqual([tokens.session.id])
    // From a listed origin, same-origin, or curl it works.
    const trusted: Record<string, string>[] = [{ origin: LISTED, 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-origin' }, {}]
    for (const headers of trusted) {
      const res = await call(app, 'POST', '/login', { json: { email, password }, headers: { ...COOKIE_MODE, ...headers } })
      expect(res.status).toBe(200)
      expect(res.body.tokenType).toBe('cookie')
    }
  })

  it('a Bearer-mode login from anywhere is not subject to it (no cookie gets set by it but the device cookie)', async () => {
    const { app } = await world()
    const { email, password } = await registerAndLogin(app)
    const res = await call(app, 'POST', '/login', { json: { email, password }, headers: { origin: CROSS_SITE, 'sec-fetch-site': 'cross-site' } })
    expect(res.status).toBe(200)
    expect(res.body.tokenType).toBe('Bearer')
  })
})

describe('credentialed CORS for BROWSER_ORIGINS', () => {
  const preflight = (app: Awaited<ReturnType<typeof world>>['app'], path: string, origin: string, method = 'POST') =>
    call(app, 'OPTIONS', path, { headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type, sessiond-transport' } })

  it('a listed origin’s preflight is answered 204 with the route’s methods', async () => {
    const { app } = await world()
    const res = await preflight(app, '/logout', LISTED)
    expect(res.status).toBe(204)
    expect(Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'))).toEqual({
      'access-control-allow-origin': LISTED,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type, authorization, sessiond-transport',
      vary: 'Origin',
    })
    expect((await preflight(app, '/me/sessions', LISTED, 'GET')).headers.get('access-control-allow-methods')).toBe('GET, HEAD')
    // What the route serves, as 405's Allow says it: /me/sessions/{id} takes DELETE on this path too.
    expect((await preflight(app, '/me/sessions/revoke-all', LISTED)).headers.get('access-control-allow-methods')).toBe('DELETE, POST')
  })

  it('an unlisted origin gets no CORS headers: its preflight is the generic 405', async () => {
    const { app } = await world()
    for (const origin of [CROSS_SITE, UNLISTED_SIBLING, 'null']) {
      const res = await preflight(app, '/me/sessions/revoke-all', origin)
      expect(res.status).toBe(405)
      expect(res.body.error).toBe('method_not_allowed')
      expect([...res.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([])
    }
    // Without BROWSER_ORIGINS, nobody is listed.
    const closed = await buildTestApp({ env: {} })
    expect((await preflight(closed.app, '/login', LISTED)).status).toBe(405)
  })

  it('actual requests: a listed origin gets Allow-Origin, Allow-Credentials and Vary: Origin, errors included; others nothing', async () => {
    const { app, victim } = await world()
    const { jar } = await victim()
    for (const [path, status] of [['/me', 200], ['/me/nothing-here', 404]] as const) {
      const res = await call(app, 'GET', path, { jar, headers: { origin: LISTED } })
      expect(res.status).toBe(status)
      expect(res.headers.get('access-control-allow-origin')).toBe(LISTED)
      expect(res.headers.get('access-control-allow-credentials')).toBe('true')
      expect(res.headers.get('vary')).toBe('Origin')
    }
    const other = await call(app, 'GET', '/me', { jar, headers: { origin: CROSS_SITE } })
    expect(other.status).toBe(200)
    expect([...other.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([])
  })

  it('every documented path answers a listed origin’s preflight, and openapi.yaml documents OPTIONS on each', async () => {
    const { app } = await world()
    for (const [template, item] of Object.entries(spec.paths)) {
      expect(item.options, `OPTIONS ${template}`).toBeDefined()
      const method = Object.keys(item).find((key) => key !== 'options')!.toUpperCase()
      const path = template.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000')
      const res = await preflight(app, path, LISTED, method)
      expect(res.status, template).toBe(204)
      expect(res.headers.get('access-control-allow-methods')!.split(', '), template).toContain(method)
    }
  })
})

describe('over a real socket', () => {
  it('the Host header decides what sessiond’s own origin is (no PUBLIC_URL)', async () => {
    const { app, victim, activeSessionIds } = await world()
    const { jar, user, sessionId, other } = await victim()
    const base = await listen(app)
    const cookie = jar.header()!
    expectRefused(await fetchJson(base, 'POST', '/me/sessions/revoke-all', { headers: { cookie, origin: 'http://localhost:1' } }))
    expect(await activeSessionIds(user.id)).toEqual([sessionId, other.session.id].sort())
    const own = await fetchJson(base, 'POST', '/me/sessions/revoke-all', { headers: { cookie, origin: base } })
    expect(own.status).toBe(200)
    expect(await activeSessionIds(user.id)).toEqual([sessionId])
  })
})
