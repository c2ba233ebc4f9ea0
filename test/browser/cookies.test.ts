import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.js'
import { clearSessionCookies, readAccessCookie, readRefreshCookie, setSessionCookies } from '../../src/http/cookies.js'
import { protectCrossOrigin } from '../../src/http/cross-origin.js'
import { newDevice, serveOnLoopback } from '../support/browser.js'

/**
 * The first check of the cookie transport: does Chromium keep `__Host-` Secure cookies set over
 * plain http on localhost (the contract's development setup), send them back, and keep them off a
 * cross-site form post? A tiny app, not sessiond: only the cookie helpers and the cross-origin rule.
 */
interface Seen {
  path: string
  access: string | null
  refresh: string | null
  secFetchSite: string | null
  origin: string | null
}

const ACCESS = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJwcm9iZSJ9.c2lnbmF0dXJl'
const REFRESH = 'cHJvYmUtcmVmcmVzaC10b2tlbi0wMTIzNDU2Nzg5YWJjZGVm'
const seen: Seen[] = []

const app = new Hono()
app.onError((error, c) => c.json({ error: error instanceof AppError ? error.code : 'internal_error' }, error instanceof AppError ? (error.status as 403) : 500))
app.use('*', async (c, next) => {
  seen.push({ path: c.req.path, access: readAccessCookie(c), refresh: readRefreshCookie(c), secFetchSite: c.req.header('sec-fetch-site') ?? null, origin: c.req.header('origin') ?? null })
  await next()
})
app.use('/protected', protectCrossOrigin({ publicOrigin: null, browserOrigins: [], appliesTo: () => true }))
app.get('/set', (c) => {
  const now = Date.now()
  setSessionCookies(c, { accessToken: ACCESS, expiresIn: 900, refreshToken: REFRESH, refreshTokenExpiresAt: new Date(now + 86_400_000), now })
  return c.html('<!doctype html><title>set</title><p>set</p>')
})
app.get('/clear', (c) => {
  clearSessionCookies(c)
  return c.html('<!doctype html><title>cleared</title><p>cleared</p>')
})
app.get('/echo', (c) => c.json({ access: readAccessCookie(c), refresh: readRefreshCookie(c) }))
/** A page with a form that posts to `target` (its own origin unless told). */
app.get('/form', (c) => {
  const target = c.req.query('target') ?? '/protected'
  return c.html(`<!doctype html><title>form</title><form method="post" action="${target}"><button>Send</button></form>`)
})
app.post('/protected', (c) => c.json({ changed: true }))

const port = await serveOnLoopback(app)
const LOCALHOST = `http://localhost:${port}`
const LOOPBACK = `http://127.0.0.1:${port}`

async function lastSeen(path: string): Promise<Seen> {
  const hit = seen.filter((entry) => entry.path === path).at(-1)
  if (!hit) throw new Error(`no request to ${path}`)
  return hit
}

describe.each([
  ['localhost', LOCALHOST],
  ['127.0.0.1', LOOPBACK],
])('Chromium over plain http://%s', (_host, origin) => {
  it('keeps both __Host- Secure HttpOnly SameSite=Strict cookies and sends them back', async () => {
    const { context, page, problems } = await newDevice()
    await page.goto(`${origin}/set`)
    const cookies = await context.cookies(origin)
    expect(cookies.map((c) => c.name).sort()).toEqual(['__Host-sessiond_access', '__Host-sessiond_refresh'])
    for (const cookie of cookies) {
      expect(cookie).toMatchObject({ path: '/', secure: true, httpOnly: true, sameSite: 'Strict', domain: new URL(origin).hostname })
    }
    await page.goto(`${origin}/echo`)
    expect(JSON.parse(await page.locator('body').innerText())).toEqual({ access: ACCESS, refresh: REFRESH })
    // HttpOnly: no script sees them.
    expect(await page.evaluate(() => document.cookie)).toBe('')
    // fetch() from the page, same origin, sends them too.
    const fromFetch = await page.evaluate(async () => (await fetch('/echo', { credentials: 'same-origin' })).json())
    expect(fromFetch).toEqual({ access: ACCESS, refresh: REFRESH })
    expect(problems).toEqual([])
  })

  it('sends them with a same-origin form post, which the cross-origin rule allows', async () => {
    const { page } = await newDevice()
    await page.goto(`${origin}/set`)
    await page.goto(`${origin}/form`)
    await Promise.all([page.waitForURL(`${origin}/protected`), page.getByRole('button', { name: 'Send' }).click()])
    expect(await lastSeen('/protected')).toEqual({ path: '/protected', access: ACCESS, refresh: REFRESH, secFetchSite: 'same-origin', origin })
    expect(JSON.parse(await page.locator('body').innerText())).toEqual({ changed: true })
  })

  it('expires both with Max-Age=0', async () => {
    const { context, page } = await newDevice()
    await page.goto(`${origin}/set`)
    expect(await context.cookies(origin)).toHaveLength(2)
    await page.goto(`${origin}/clear`)
    expect(await context.cookies(origin)).toEqual([])
  })
})

describe('a cross-site form post (from 127.0.0.1 to localhost, two sites)', () => {
  it('carries no SameSite=Strict cookie, says Sec-Fetch-Site: cross-site, and is refused 403 cross_origin_request', async () => {
    const { page } = await newDevice()
    await page.goto(`${LOCALHOST}/set`)
    await page.goto(`${LOOPBACK}/form?target=${encodeURIComponent(`${LOCALHOST}/protected`)}`)
    const [response] = await Promise.all([page.waitForResponse(`${LOCALHOST}/protected`), page.getByRole('button', { name: 'Send' }).click()])
    expect(response.status()).toBe(403)
    expect(await response.json()).toMatchObject({ error: 'cross_origin_request' })
    expect(await lastSeen('/protected')).toEqual({ path: '/protected', access: null, refresh: null, secFetchSite: 'cross-site', origin: LOOPBACK })
  })
})
