import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { deviceKind } from '../../src/http/device.js'
import { INACTIVE_AFTER_MS } from '../../src/pages/account-routes.js'
import { PAGE_HEADERS } from '../../src/pages/headers.js'
import { safeNext } from '../../src/pages/next-path.js'
import { STYLESHEET } from '../../src/pages/stylesheet.js'
import { absoluteTime, durationWords, relativeTime } from '../../src/pages/time.js'
import { endedReasonWords, eventWords } from '../../src/pages/words.js'
import { createSealer } from '../../src/services/sealer.js'
import { buildTestApp, call, STRONG_PASSWORD, uniqueEmail } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { CookieJar } from '../support/cookie-jar.js'

/**
 * The account pages over HTTP (in-process requests, no browser): their headers on every kind of
 * answer, the budgets they share with the JSON API, one-time notes, who may end what, and the small
 * pieces (next paths, time words, device kinds, sealed values). The browser run is
 * test/browser/account.test.ts.
 */
const clock = createFakeClock()
const { app, config, services } = await buildTestApp({ clock })
const MINUTE = 60_000

interface PageAnswer {
  status: number
  headers: Headers
  text: string
}

async function page(method: string, path: string, options: { jar?: CookieJar; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<PageAnswer> {
  const headers: Record<string, string> = { ...options.headers }
  const cookie = options.jar?.header()
  if (cookie) headers.cookie = cookie
  let body: string | undefined
  if (options.form) {
    body = new URLSearchParams(options.form).toString()
    headers['content-type'] = 'application/x-www-form-urlencoded'
  }
  const res = await app.request(path, { method, headers, body })
  options.jar?.store(res.headers)
  return { status: res.status, headers: res.headers, text: await res.text() }
}

async function newUser() {
  const email = uniqueEmail()
  const res = await call(app, 'POST', '/register', { json: { email, password: STRONG_PASSWORD } })
  expect(res.status).toBe(201)
  return { email, password: STRONG_PASSWORD, id: res.body.user.id as string }
}

async function signedIn() {
  const who = await newUser()
  const jar = new CookieJar()
  const res = await page('POST', '/account/sign-in', { jar, form: { email: who.email, password: who.password } })
  expect(res.status).toBe(303)
  return { ...who, jar }
}

/** The text of the page's live region. */
const statusOf = (html: string) => /role="status" aria-live="polite">([^<]*)</.exec(html)?.[1] ?? null

describe('every page answer carries the contract’s headers', () => {
  it.each([
    ['the sign-in form at /account', async () => page('GET', '/account'), 200],
    ['the sign-in form', async () => page('GET', '/account/sign-in?next=%2Faccount%2Factivity'), 200],
    ['a failed sign-in', async () => page('POST', '/account/sign-in', { form: { email: 'nobody@example.test', password: 'wrong-wrong-wrong' } }), 200],
    ['a signed-out visitor sent to sign in', async () => page('GET', '/account/activity'), 303],
    ['a form from another site', async () => page('POST', '/account/sign-in', { form: { email: 'a@example.test', password: 'x' }, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } }), 403],
    ['an unknown /account path', async () => page('GET', '/account/nope'), 404],
    ['a wrong method', async () => page('DELETE', '/account'), 405],
    ['the sessions page', async () => page('GET', '/account', { jar: (await signedIn()).jar }), 200],
    ['the activity page', async () => page('GET', '/account/activity', { jar: (await signedIn()).jar }), 200],
    ['the password page', async () => page('GET', '/account/password', { jar: (await signedIn()).jar }), 200],
    ['the confirm step', async () => page('GET', '/account/sessions/all/confirm', { jar: (await signedIn()).jar }), 200],
    ['a sign-out', async () => page('POST', '/account/sign-out', { jar: (await signedIn()).jar, form: {} }), 303],
  ] as const)('%s', async (_name, request, status) => {
    const res = await request()
    expect(res.status).toBe(status)
    for (const [name, value] of Object.entries(PAGE_HEADERS)) expect(res.headers.get(name), name).toBe(value)
    if (res.headers.get('content-type')?.startsWith('text/html')) {
      expect(res.text).toMatch(/^<!doctype html><html lang="en">/)
      expect(res.text).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=|javascript:/i)
    }
  })
})

describe('sign-in shares the budgets of POST /login', () => {
  it('wrong passwords on the page lock POST /login for that account, and the page answers 429 with Retry-After', async () => {
    const user = await newUser()
    for (let i = 0; i < 10; i += 1) {
      const res = await page('POST', '/account/sign-in', { form: { email: user.email, password: `wrong password ${i}` } })
      expect(res.status).toBe(200)
      expect(statusOf(res.text)).toBe('The email or password is incorrect.')
    }
    const api = await call(app, 'POST', '/login', { json: { email: user.email, password: user.password } })
    expect(api.status).toBe(429)
    const refused = await page('POST', '/account/sign-in', { form: { email: user.email, password: user.password } })
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(statusOf(refused.text)).toMatch(/^Too many attempts\. Try again in \d+ minutes\.$/)
    expect(refused.text).toContain(`value="${user.email}"`) // the form again, the email kept
    expect(refused.headers.getSetCookie()).toEqual([])
  })

  it('an attempt without a password is no judged attempt: it does not reset the consecutive-failure budget', async () => {
    const user = await newUser()
    for (let i = 0; i < 9; i += 1) await page('POST', '/account/sign-in', { form: { email: user.email, password: `wrong password ${i}` } })
    const empty = await page('POST', '/account/sign-in', { form: { email: user.email, password: '' } })
    expect(statusOf(empty.text)).toBe('Enter your email and password.')
    await page('POST', '/account/sign-in', { form: { email: user.email, password: 'the tenth wrong one' } })
    expect((await call(app, 'POST', '/login', { json: { email: user.email, password: user.password } })).status).toBe(429)
  })

  it('a successful sign-in sets the session cookies and the device cookie, like /login', async () => {
    const { jar } = await signedIn()
    expect(jar.names().sort()).toEqual(['__Host-sessiond_access', '__Host-sessiond_device', '__Host-sessiond_refresh'])
  })

  it('wrong passwords at the re-authentication step spend the budget of /me/reauthenticate', async () => {
    const local = createFakeClock()
    const test = await buildTestApp({ clock: local })
    const user = { email: uniqueEmail(), password: STRONG_PASSWORD }
    expect((await call(test.app, 'POST', '/register', { json: user })).status).toBe(201)
    const jar = new CookieJar()
    const post = async (path: string, form: Record<string, string>) => {
      const cookie = jar.header()
      const res = await test.app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams(form).toString(),
      })
      jar.store(res.headers)
      return { status: res.status, text: await res.text() }
    }
    await post('/account/sign-in', user)
    local.advance(test.config.reauthWindowMs + MINUTE)
    const asked = await post('/account/sessions/others/sign-out', {})
    // Nothing to sign out (no other session): the page goes back with a note instead of asking.
    expect(asked.status).toBe(303)
    const login = await call(test.app, 'POST', '/login', { json: user })
    for (let i = 0; i < 10; i += 1) {
      const res = await post('/account/sessions/others/sign-out', { password: `wrong ${i}` })
      expect(res.status).toBe(200)
      expect(statusOf(res.text)).toBe('The password is incorrect.')
    }
    const api = await call(test.app, 'POST', '/me/reauthenticate', { bearer: login.body.accessToken, json: { password: user.password } })
    expect(api.status).toBe(429)
  })
})

describe('who may end what', () => {
  it('another user’s session id names nothing: nothing ends, and the page says the session has ended', async () => {
    const owner = await signedIn()
    const intruder = await signedIn()
    const [target] = await services.sessions.listActive(owner.id)
    const confirm = await page('GET', `/account/sessions/${target!.id}/confirm`, { jar: intruder.jar })
    expect(confirm.status).toBe(303)
    expect(confirm.headers.get('location')).toBe('/account')
    const post = await page('POST', `/account/sessions/${target!.id}/sign-out`, { jar: intruder.jar, form: { password: intruder.password } })
    expect(post.status).toBe(303)
    expect(statusOf((await page('GET', '/account', { jar: intruder.jar })).text)).toBe('That session has already ended.')
    expect(await services.sessions.listActive(owner.id)).toHaveLength(1)
  })

  it.each([
    ['an unknown session', () => `/account/sessions/${randomUUID()}/confirm`, 'That session has already ended.'],
    ['not a session id', () => '/account/sessions/not-a-uuid/confirm', 'That session has already ended.'],
    ['no other session to end', () => '/account/sessions/others/confirm', 'There is no other session to sign out.'],
    ['no inactive session to end', () => '/account/sessions/inactive/confirm', 'There is no inactive session to sign out.'],
  ])('%s: back to /account with a note', async (_name, path, note) => {
    const { jar } = await signedIn()
    const res = await page('GET', path(), { jar })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/account')
    expect(statusOf((await page('GET', '/account', { jar })).text)).toBe(note)
  })

  it('this device is not ended from a confirm step: its own Sign out does that', async () => {
    const user = await signedIn()
    const [own] = await services.sessions.listActive(user.id)
    const res = await page('GET', `/account/sessions/${own!.id}/confirm`, { jar: user.jar })
    expect(res.status).toBe(303)
    expect(await services.sessions.listActive(user.id)).toHaveLength(1)
  })
})

describe('one-time notes', () => {
  it('are shown once, sealed: a forged or expired one is not shown', async () => {
    const { jar } = await signedIn()
    await page('POST', '/account/sign-out', { jar, form: {} })
    const sealed = jar.get('__Host-sessiond_note')
    expect(sealed).toMatch(/^v1\./)
    expect(statusOf((await page('GET', '/account/sign-in', { jar })).text)).toBe('You have signed out.')
    expect(statusOf((await page('GET', '/account/sign-in', { jar })).text)).toBe('')

    const forged = Buffer.from(JSON.stringify({ kind: 'error', text: 'Your account is locked: call +1 555 0100' })).toString('base64url')
    jar.set('__Host-sessiond_note', sealed!.replace(/^(v1\.\d+\.)[^.]+/, `$1${forged}`))
    expect(statusOf((await page('GET', '/account/sign-in', { jar })).text)).toBe('')

    jar.set('__Host-sessiond_note', sealed!)
    clock.advance(2 * MINUTE)
    expect(statusOf((await page('GET', '/account/sign-in', { jar })).text)).toBe('')
  })
})

describe('the stylesheet', () => {
  it('is served under its content hash for a year; any other name is the API’s 404', async () => {
    const res = await app.request(STYLESHEET.path)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const other = await call(app, 'GET', '/assets/app.00000000.css')
    expect(other.status).toBe(404)
    expect(other.body.error).toBe('not_found')
  })
})

describe('next: only our own /account paths', () => {
  it.each([
    [undefined, '/account'],
    ['/account', '/account'],
    ['/account/activity', '/account/activity'],
    ['/account/activity?cursor=abc-_', '/account/activity?cursor=abc-_'],
    ['/account/sessions/all/confirm', '/account/sessions/all/confirm'],
    ['https://evil.example/account', '/account'],
    ['//evil.example/account', '/account'],
    ['/\\evil.example', '/account'],
    ['/account/../admin', '/account'],
    ['/account/%2e%2e/admin', '/account'],
    ['/account//evil.example', '/account'],
    ['/accounts', '/account'],
    ['/account\\@evil.example', '/account'],
    ['/account/sign-in', '/account'],
    ['/account/sign-in?next=/account', '/account'],
    ['/account/activity#x', '/account'],
    ['javascript:alert(1)', '/account'],
    [`/account/${'a'.repeat(600)}`, '/account'],
  ])('%s → %s', (next, expected) => {
    expect(safeNext(next)).toBe(expected)
  })
})

describe('the words and times the pages use', () => {
  const now = new Date('2026-12-03T12:00:00.000Z')
  it.each([
    [0, 'just now'],
    [-30_000, 'just now'],
    [-5 * MINUTE, '5 minutes ago'],
    [-MINUTE, '1 minute ago'],
    [-3 * 60 * MINUTE, '3 hours ago'],
    [-30 * 60 * MINUTE, 'yesterday'],
    [-4 * 24 * 60 * MINUTE, '4 days ago'],
    [7 * 24 * 60 * MINUTE, 'in 7 days'],
    [-60 * 24 * 60 * MINUTE, '2 months ago'],
  ])('%i ms from now reads "%s"', (offset, words) => {
    expect(relativeTime(new Date(now.getTime() + offset), now)).toBe(words)
  })

  it('absolute times are UTC, durations in words', () => {
    expect(absoluteTime(now)).toBe('3 Dec 2026, 12:00 UTC')
    expect(absoluteTime(new Date('2027-01-09T23:05:00.000Z'))).toBe('9 Jan 2027, 23:05 UTC')
    expect(durationWords(30 * 24 * 60 * MINUTE)).toBe('30 days')
    expect(durationWords(30 * MINUTE)).toBe('30 minutes')
    expect(durationWords(60 * MINUTE)).toBe('1 hour')
    expect(INACTIVE_AFTER_MS).toBe(7 * 24 * 60 * MINUTE)
  })

  it('says why a session ended in plain words', () => {
    expect(endedReasonWords('logout', null)).toBe('signed out')
    expect(endedReasonWords('revoked', null)).toBe('signed out from another device')
    expect(endedReasonWords('evicted', null)).toBe('replaced by a newer sign-in (session limit)')
    expect(endedReasonWords('reuse_detected', null)).toBe('ended because its refresh token was used twice')
    expect(endedReasonWords('admin', 'laptop reported stolen')).toBe('signed out by an administrator: laptop reported stolen')
    expect(endedReasonWords('expired', null)).toBe('expired')
    expect(endedReasonWords('password_changed', null)).toBe('password changed')
    expect(eventWords({ type: 'sessions_revoked_all', details: { revoked: 2 } })).toBe('Signed out all other sessions (2 sessions)')
    expect(eventWords({ type: 'session_revoked', details: {} }, 'Safari on iOS')).toBe('Signed out Safari on iOS')
    expect(eventWords({ type: 'something_new', details: {} })).toBe('Something new')
  })

  it.each([
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 'mobile'],
    ['Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1', 'tablet'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'desktop'],
    ['curl/8.5.0', 'unknown'],
    ['<img src=x onerror=alert(1)>', 'unknown'],
    [null, 'unknown'],
  ])('a session from %s shows a %s icon', (userAgent, kind) => {
    expect(deviceKind(userAgent)).toBe(kind)
  })
})

describe('sealed values', () => {
  const key = Buffer.alloc(32, 7)
  it('open what was sealed, until it expires; never an altered one, or one sealed under another key', () => {
    const local = createFakeClock()
    const sealer = createSealer(key, local)
    const sealed = sealer.seal('Signed out Safari on iOS.', MINUTE)
    expect(sealer.open(sealed)).toBe('Signed out Safari on iOS.')
    expect(sealer.open(sealed.replace(/\.(\d+)\./, (_m, ms: string) => `.${Number(ms) + 1}.`))).toBeNull()
    expect(sealer.open(`${sealed.slice(0, -2)}AA`)).toBeNull()
    expect(createSealer(Buffer.alloc(32, 8), local).open(sealed)).toBeNull()
    expect(sealer.open('')).toBeNull()
    expect(sealer.open(undefined)).toBeNull()
    local.advance(MINUTE)
    expect(sealer.open(sealed)).toBeNull()
  })
})

it('config used by these tests keeps the defaults the pages describe', () => {
  expect(config.sessionRetentionMs).toBe(30 * 24 * 60 * MINUTE)
})
