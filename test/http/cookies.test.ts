import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import {
  ACCESS_COOKIE,
  authenticatedByCookie,
  clearSessionCookies,
  presentedAccessToken,
  readAccessCookie,
  readRefreshCookie,
  REFRESH_COOKIE,
  setSessionCookies,
  wantsCookieTransport,
  withoutTokens,
} from '../../src/http/cookies.js'
import { parseSetCookie } from '../support/cookie-jar.js'

const NOW = Date.parse('2026-01-05T08:00:00.000Z')
const ACCESS = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln'
const REFRESH = 'Zm9vYmFyYmF6cXV4LXJlZnJlc2gtdG9rZW4tMDEyMzQ1Njc4OQ'

function app() {
  const app = new Hono()
  app.post('/set', (c) => {
    setSessionCookies(c, { accessToken: ACCESS, expiresIn: 900, refreshToken: REFRESH, refreshTokenExpiresAt: new Date(NOW + 7 * 86_400_000 + 999), now: NOW })
    return c.body(null, 204)
  })
  app.post('/set-long', (c) => {
    setSessionCookies(c, { accessToken: ACCESS, expiresIn: 900, refreshToken: REFRESH, refreshTokenExpiresAt: new Date(NOW + 1000 * 86_400_000), now: new Date(NOW) })
    return c.body(null, 204)
  })
  app.post('/set-past', (c) => {
    setSessionCookies(c, { accessToken: ACCESS, expiresIn: 900, refreshToken: REFRESH, refreshTokenExpiresAt: new Date(NOW - 5000), now: NOW })
    return c.body(null, 204)
  })
  app.post('/clear', (c) => {
    clearSessionCookies(c)
    return c.body(null, 204)
  })
  app.get('/read', (c) =>
    c.json({
      access: readAccessCookie(c),
      refresh: readRefreshCookie(c),
      cookieTransport: wantsCookieTransport(c),
      byCookie: authenticatedByCookie(c),
      presented: presentedAccessToken(c, (ctx) => /^Bearer (\S+)$/.exec(ctx.req.header('authorization') ?? '')?.[1] ?? null),
    }),
  )
  return app
}

async function setCookies(path: string) {
  const res = await app().request(path, { method: 'POST' })
  return res.headers.getSetCookie().map(parseSetCookie)
}

describe('setSessionCookies', () => {
  it('sets the two __Host- cookies with exactly Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age', async () => {
    const [access, refresh, ...rest] = await setCookies('/set')
    expect(rest).toEqual([])
    expect(access).toEqual({ name: '__Host-sessiond_access', value: ACCESS, attributes: { 'max-age': '900', path: '/', httponly: true, secure: true, samesite: 'Strict' } })
    // Max-Age until refreshTokenExpiresAt, in whole seconds.
    expect(refresh).toEqual({ name: '__Host-sessiond_refresh', value: REFRESH, attributes: { 'max-age': String(7 * 86_400), path: '/', httponly: true, secure: true, samesite: 'Strict' } })
    expect(ACCESS_COOKIE).toBe('__Host-sessiond_access')
    expect(REFRESH_COOKIE).toBe('__Host-sessiond_refresh')
  })

  it('the raw lines carry no Domain and no Expires', async () => {
    const res = await app().request('/set', { method: 'POST' })
    for (const line of res.headers.getSetCookie()) {
      expect(line).not.toMatch(/domain|expires/i)
      expect(line).toMatch(/^__Host-sessiond_(access|refresh)=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
    }
  })

  it('caps Max-Age at 400 days and never goes below 0', async () => {
    expect((await setCookies('/set-long'))[1]!.attributes['max-age']).toBe(String(400 * 86_400))
    expect((await setCookies('/set-past'))[1]!.attributes['max-age']).toBe('0')
  })
})

describe('clearSessionCookies', () => {
  it('expires both cookies with the same attributes', async () => {
    const cookies = await setCookies('/clear')
    expect(cookies).toEqual(
      ['__Host-sessiond_access', '__Host-sessiond_refresh'].map((name) => ({ name, value: '', attributes: { 'max-age': '0', path: '/', httponly: true, secure: true, samesite: 'Strict' } })),
    )
  })
})

describe('reading cookies and the transport header', () => {
  const read = async (headers: Record<string, string>) => (await app().request('/read', { headers })).json()

  it('reads each token from its own cookie, and nothing else', async () => {
    expect(await read({ cookie: `other=1; __Host-sessiond_access=${ACCESS}; __Host-sessiond_refresh=${REFRESH}` })).toMatchObject({ access: ACCESS, refresh: REFRESH, byCookie: true })
    // Without the prefix, or empty, the cookie does not count.
    expect(await read({ cookie: `sessiond_access=${ACCESS}; __Host-sessiond_refresh=` })).toMatchObject({ access: null, refresh: null, byCookie: false })
    expect(await read({})).toMatchObject({ access: null, refresh: null, byCookie: false, presented: null })
  })

  it.each([
    ['cookie', true],
    ['Cookie', true],
    [' COOKIE ', true],
    ['bearer', false],
    ['cookies', false],
  ])('Sessiond-Transport: %j → %s', async (value, expected) => {
    expect((await read({ 'sessiond-transport': value })).cookieTransport).toBe(expected)
  })

  it('the Authorization header judges whenever it is sent; the cookie only stands in without one', async () => {
    const cookie = `__Host-sessiond_access=${ACCESS}`
    expect((await read({ cookie })).presented).toEqual({ token: ACCESS, via: 'cookie' })
    expect(await read({ cookie, authorization: 'Bearer abc' })).toMatchObject({ presented: { token: 'abc', via: 'bearer' }, byCookie: false })
    // Another scheme with a cookie: judged by the header, which presents no bearer token.
    expect((await read({ cookie, authorization: 'Basic eDp5' })).presented).toBeNull()
  })
})

describe('withoutTokens', () => {
  it('drops both tokens and says tokenType "cookie"', () => {
    const pair = { accessToken: ACCESS, tokenType: 'Bearer' as const, expiresIn: 900, refreshToken: REFRESH, refreshTokenExpiresAt: '2026-01-12T08:00:00.000Z', session: { id: 's' } }
    const body = withoutTokens(pair)
    expect(body).toEqual({ tokenType: 'cookie', expiresIn: 900, refreshTokenExpiresAt: '2026-01-12T08:00:00.000Z', session: { id: 's' } })
    expect(JSON.stringify(body)).not.toContain(ACCESS)
    expect(JSON.stringify(body)).not.toContain(REFRESH)
  })
})
