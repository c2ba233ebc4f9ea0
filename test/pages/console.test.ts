import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { keyFingerprint } from '../../src/http/middleware/require-admin.js'
import { EVERYONE_PHRASE } from '../../src/pages/console-routes.js'
import { CONSOLE_COOKIE } from '../../src/pages/console-session.js'
import { PAGE_HEADERS } from '../../src/pages/headers.js'
import { users } from '../../src/stores/schema.js'
import { CLI_ACTOR } from '../../src/services/audit.js'
import { buildTestApp, call, isolatedDatabase, STRONG_PASSWORD, uniqueEmail, type TestApp } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { CookieJar } from '../support/cookie-jar.js'

/**
 * The operators' console over HTTP (in-process requests, no browser): who may use it (on every
 * route), what each change does and to exactly what, the confirming step's rules (reason, typed
 * confirmation, password proof), search paging, the audit log's filters, and the page headers.
 * The browser run is test/browser/console.test.ts.
 */
const KEY = 'console-test-admin-key-0123456789-0123456789'
const MINUTE = 60_000
const clock = createFakeClock()
const { app, services, config } = await buildTestApp({ clock, env: { ADMIN_API_KEY: KEY, REAUTH_WINDOW: '5m' } })

interface PageAnswer {
  status: number
  headers: Headers
  text: string
  location: string | null
}

type PageOptions = { jar?: CookieJar; form?: Record<string, string>; headers?: Record<string, string> }

/** The console's helpers, bound to one app (most tests share one; "sign out every user" gets its own ledger). */
function consoleWorld(test: Pick<TestApp, 'app' | 'services'>) {
  async function page(method: string, path: string, options: PageOptions = {}): Promise<PageAnswer> {
    const headers: Record<string, string> = { ...options.headers }
    const cookie = options.jar?.header()
    if (cookie) headers.cookie = headers.cookie ? `${headers.cookie}; ${cookie}` : cookie
    let body: string | undefined
    if (options.form) {
      body = new URLSearchParams(options.form).toString()
      headers['content-type'] = 'application/x-www-form-urlencoded'
    }
    const res = await test.app.request(path, { method, headers, body })
    options.jar?.store(res.headers)
    return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location') }
  }

  /** A registered user (through the service: this file makes more than the sign-up budget allows one IP). */
  async function newUser(email = uniqueEmail()) {
    const user = await test.services.accounts.register(email, STRONG_PASSWORD)
    return { email, password: STRONG_PASSWORD, id: user.id }
  }

  /** A user's session opened through POST /login (bearer tokens), with a User-Agent of choice. */
  async function loginAs(user: { email: string }, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36') {
    const res = await call(test.app, 'POST', '/login', { json: { email: user.email, password: STRONG_PASSWORD }, headers: { 'user-agent': userAgent } })
    expect(res.status).toBe(200)
    return res.body as { accessToken: string; refreshToken: string }
  }

  async function newAdmin() {
    const user = await newUser()
    await test.services.operatorActions.grantAdmin(user.id, { actor: CLI_ACTOR })
    return user
  }

  /** An admin signed in to the console through its sign-in form. */
  async function consoleAdmin() {
    const admin = await newAdmin()
    const jar = new CookieJar()
    const res = await page('POST', '/console/sign-in', { jar, form: { email: admin.email, password: admin.password } })
    expect(res.status).toBe(303)
    expect(jar.get(CONSOLE_COOKIE)).toBeTruthy()
    return { ...admin, jar }
  }

  const activeIds = async (userId: string) => (await test.services.sessions.listActive(userId)).map((row) => row.id)
  return { page, newUser, loginAs, newAdmin, consoleAdmin, activeIds }
}

const { page, newUser, loginAs, newAdmin, consoleAdmin, activeIds } = consoleWorld({ app, services })
const sessionIdOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sid as string
const statusOf = (html: string) => /role="status" aria-live="polite">([^<]*)</.exec(html)?.[1] ?? null

describe('the console signs in admins only, with a cookie of its own', () => {
  it('an admin gets __Host-sessiond_console (Secure, HttpOnly, SameSite=Strict) and no token in any body; the session is listed as (console)', async () => {
    const admin = await newAdmin()
    const jar = new CookieJar()
    const res = await page('POST', '/console/sign-in', { jar, form: { email: admin.email, password: admin.password } })
    expect(res.status).toBe(303)
    expect(res.location).toBe('/console')
    const cookie = res.headers.getSetCookie().find((line) => line.startsWith(`${CONSOLE_COOKIE}=`))!
    expect(cookie).toMatch(/; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict/)
    expect(res.text).toBe('')
    const overview = await page('GET', '/console', { jar })
    expect(overview.status).toBe(200)
    expect(overview.text).toContain('active session')
    expect(overview.text).not.toContain(jar.get(CONSOLE_COOKIE)!)

    const { accessToken } = await loginAs(admin)
    const mine = await call(app, 'GET', '/me/sessions', { bearer: accessToken })
    expect(mine.body.sessions.map((session: { device: string }) => session.device)).toContain('Unknown device (console)')
  })

  it('refuses an ordinary account exactly as a wrong password, after the same check', async () => {
    const user = await newUser()
    const notAdmin = await page('POST', '/console/sign-in', { form: { email: user.email, password: user.password } })
    const wrong = await page('POST', '/console/sign-in', { form: { email: user.email, password: 'not the password at all' } })
    for (const res of [notAdmin, wrong]) {
      expect(res.status).toBe(200)
      expect(statusOf(res.text)).toBe('The email or password is incorrect, or the account is not an administrator.')
      expect(res.headers.getSetCookie().some((line) => line.startsWith(`${CONSOLE_COOKIE}=`))).toBe(false)
    }
  })

  it('returns to where a signed-out visitor was going, and nowhere outside /console', async () => {
    const admin = await newAdmin()
    const away = await page('GET', '/console/audit?user=x%40example.test')
    expect(away.status).toBe(303)
    expect(away.location).toBe('/console/sign-in?next=%2Fconsole%2Faudit%3Fuser%3Dx%2540example.test')
    const back = await page('POST', away.location!, { form: { email: admin.email, password: admin.password } })
    expect(back.location).toBe('/console/audit?user=x%40example.test')
    const offsite = await page('POST', '/console/sign-in?next=%2F%2Fevil.example%2F', { form: { email: admin.email, password: admin.password } })
    expect(offsite.location).toBe('/console')
    const account = await page('POST', '/console/sign-in?next=%2Faccount', { form: { email: admin.email, password: admin.password } })
    expect(account.location).toBe('/console')
  })
})

const target = await newUser()
const targetSession = sessionIdOf((await loginAs(target)).accessToken)

describe('the console sign-in shares the budgets of POST /login', () => {
  it('wrong passwords on it lock the admin’s account for POST /login and for itself: 429 with Retry-After, the form again', async () => {
    const admin = await newAdmin()
    for (let i = 0; i < 10; i += 1) {
      const res = await page('POST', '/console/sign-in', { form: { email: admin.email, password: `wrong password ${i}` } })
      expect(res.status).toBe(200)
    }
    expect((await call(app, 'POST', '/login', { json: { email: admin.email, password: admin.password } })).status).toBe(429)
    const refused = await page('POST', '/console/sign-in', { form: { email: admin.email, password: admin.password } })
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(statusOf(refused.text)).toMatch(/^Too many attempts\. Try again in \d+ minutes\.$/)
    expect(refused.text).toContain(`value="${admin.email}"`)
    expect(refused.headers.getSetCookie().some((line) => line.startsWith(`${CONSOLE_COOKIE}=`))).toBe(false)
  })

  it('wrong passwords on a confirming step spend the admin’s password budget: 429, and nothing changes', async () => {
    const admin = await consoleAdmin()
    const user = await newUser()
    const session = sessionIdOf((await loginAs(user)).accessToken)
    clock.advance(6 * MINUTE) // past REAUTH_WINDOW: the step asks for the password
    const path = `/console/users/${user.id}/sessions/${session}/sign-out`
    const statuses: number[] = []
    for (let i = 0; i < 11; i += 1) statuses.push((await page('POST', path, { jar: admin.jar, form: { password: `wrong password ${i}` } })).status)
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200))
    expect(statuses[10]).toBe(429)
    expect(await activeIds(user.id)).toContain(session)
  })
})

describe('no one but a signed-in admin reaches any console route', () => {
  const routes: Array<[string, string]> = [
    ['GET', '/console'],
    ['GET', '/console/users'],
    ['GET', `/console/users/${target.id}`],
    ['GET', `/console/users/${target.id}/sessions/${targetSession}/sign-out`],
    ['GET', `/console/users/${target.id}/sign-out-all`],
    ['GET', `/console/users/${target.id}/disable`],
    ['GET', `/console/users/${target.id}/delete`],
    ['GET', '/console/sign-out-everyone'],
    ['GET', '/console/audit'],
    ['POST', `/console/users/${target.id}/sessions/${targetSession}/sign-out`],
    ['POST', `/console/users/${target.id}/sign-out-all`],
    ['POST', `/console/users/${target.id}/disable`],
    ['POST', `/console/users/${target.id}/delete`],
    ['POST', '/console/sign-out-everyone'],
  ]

  /** Credentials that must not open the console, each as the request's jar and headers. */
  const credentials: Array<[string, () => Promise<{ jar: CookieJar; headers?: Record<string, string> }>]> = [
    ['nothing at all', async () => ({ jar: new CookieJar() })],
    [
      'an admin’s ordinary session (the account page’s cookies)',
      async () => {
        const admin = await newAdmin()
        const jar = new CookieJar()
        expect((await page('POST', '/account/sign-in', { jar, form: { email: admin.email, password: admin.password } })).status).toBe(303)
        return { jar }
      },
    ],
    [
      'an admin’s access token as the console cookie',
      async () => {
        const admin = await newAdmin()
        return { jar: new CookieJar().set(CONSOLE_COOKIE, (await loginAs(admin)).accessToken) }
      },
    ],
    [
      'a console session idle past CONSOLE_IDLE_TIMEOUT',
      async () => {
        const { jar } = await consoleAdmin()
        clock.advance(31 * MINUTE)
        return { jar }
      },
    ],
    [
      'a console session whose admin role was revoked',
      async () => {
        const admin = await consoleAdmin()
        await services.operatorActions.revokeAdmin(admin.id, { actor: CLI_ACTOR })
        return { jar: admin.jar }
      },
    ],
    ['the ADMIN_API_KEY', async () => ({ jar: new CookieJar(), headers: { authorization: `Bearer ${KEY}` } })],
  ]

  it.each(credentials)('%s: every route sends to the console sign-in and changes nothing', async (_name, credential) => {
    const { jar, headers } = await credential()
    for (const [method, path] of routes) {
      const res = await page(method, path, { jar, headers, form: method === 'POST' ? { reason: 'x', typed: target.email, password: STRONG_PASSWORD } : undefined })
      expect(res.status, `${method} ${path}`).toBe(303)
      expect(res.location, `${method} ${path}`).toMatch(/^\/console\/sign-in(\?|$)/)
      expect(res.text).toBe('')
    }
    expect(await activeIds(target.id)).toContain(targetSession)
    expect((await services.accounts.findById(target.id))?.disabledAt).toBeNull()
  })

  it('revoking the role ends the admin’s console sessions at once', async () => {
    const admin = await consoleAdmin()
    expect((await page('GET', '/console', { jar: admin.jar })).status).toBe(200)
    await services.operatorActions.revokeAdmin(admin.id, { actor: CLI_ACTOR })
    const after = await page('GET', '/console', { jar: admin.jar })
    expect(after.status).toBe(303)
    expect(admin.jar.get(CONSOLE_COOKIE)).toBeUndefined()
  })
})

describe('every console answer carries the page headers', () => {
  it('signed out, signed in, refused and not found alike', async () => {
    const { jar } = await consoleAdmin()
    const user = await newUser()
    const answers = [
      await page('GET', '/console/sign-in'),
      await page('GET', '/console'),
      await page('GET', '/console', { jar }),
      await page('GET', '/console/users', { jar }),
      await page('GET', `/console/users/${user.id}`, { jar }),
      await page('GET', `/console/users/${user.id}/delete`, { jar }),
      await page('GET', '/console/audit', { jar }),
      await page('GET', '/console/users/00000000-0000-4000-8000-000000000000', { jar }),
      await page('POST', `/console/users/${user.id}/disable`, { jar, form: {}, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } }),
    ]
    expect(answers.map((res) => res.status)).toEqual([200, 303, 200, 200, 200, 200, 200, 404, 403])
    for (const res of answers) for (const [name, value] of Object.entries(PAGE_HEADERS)) expect(res.headers.get(name), name).toBe(value)
  })
})

describe('ending sessions from the console', () => {
  it('signs out exactly the chosen one of three sessions with the same device label, with the reason shown to the user and audited', async () => {
    const { jar, email: adminEmail, id: adminId } = await consoleAdmin()
    const user = await newUser()
    const tokens = [await loginAs(user), await loginAs(user), await loginAs(user)]
    const [first, chosen, third] = tokens.map((pair) => sessionIdOf(pair.accessToken))
    const userPage = await page('GET', `/console/users/${user.id}`, { jar })
    expect(userPage.text.match(/Sign out<span class="visually-hidden"> Chrome 131 on Linux<\/span>/g)?.length).toBe(3)
    const confirm = await page('GET', `/console/users/${user.id}/sessions/${chosen}/sign-out`, { jar })
    expect(confirm.text).toContain('Sign out Chrome 131 on Linux?')
    expect(confirm.text).toContain(`Session ${chosen}`)
    expect(confirm.text).not.toContain('name="password"') // signed in just now: no password proof due

    const done = await page('POST', `/console/users/${user.id}/sessions/${chosen}/sign-out`, { jar, form: { reason: '  Reported stolen <laptop>  ' }, headers: { 'x-forwarded-for': '192.0.2.1' } })
    expect(done.status).toBe(303)
    expect(done.location).toBe(`/console/users/${user.id}`)
    expect(await activeIds(user.id)).toEqual(expect.arrayContaining([first, third]))
    expect(await activeIds(user.id)).not.toContain(chosen)
    expect((await call(app, 'POST', '/refresh', { json: { refreshToken: tokens[1]!.refreshToken } })).status).toBe(401)

    const ended = await call(app, 'GET', '/me/sessions?state=ended', { bearer: tokens[0]!.accessToken })
    expect(ended.body.sessions).toEqual([expect.objectContaining({ id: chosen, endReason: 'admin', reasonNote: 'Reported stolen <laptop>' })])
    const events = (await call(app, 'GET', '/me/security-events', { bearer: tokens[0]!.accessToken })).body.events
    expect(events[0]).toMatchObject({ type: 'admin_revoked', details: { admin: adminId, reasonNote: 'Reported stolen <laptop>' } })
    const audit = await call(app, 'GET', `/admin/audit?userId=${user.id}`, { bearer: KEY })
    expect(audit.body.entries[0]).toMatchObject({ actor: { type: 'admin', id: adminId, email: adminEmail }, action: 'revoke_session', target: { userId: user.id, sessionId: chosen }, reason: 'Reported stolen <laptop>' })

    // The note and the reason are text on the pages, never markup.
    const after = await page('GET', `/console/users/${user.id}`, { jar })
    expect(statusOf(after.text)).toBe(`Signed out Chrome 131 on Linux of ${user.email}.`)
    expect(after.text).toContain('Reported stolen &lt;laptop&gt;')
    expect(after.text).not.toContain('<laptop>')
  })

  it('a session of another user, or one already ended, is not ended through this user’s page', async () => {
    const { jar } = await consoleAdmin()
    const user = await newUser()
    const other = await newUser()
    const otherSession = sessionIdOf((await loginAs(other)).accessToken)
    const res = await page('POST', `/console/users/${user.id}/sessions/${otherSession}/sign-out`, { jar, form: {} })
    expect(res.status).toBe(303)
    expect(await activeIds(other.id)).toContain(otherSession)
    const back = await page('GET', res.location!, { jar })
    expect(statusOf(back.text)).toBe('That session has already ended.')
  })

  it('sign out all sessions: every session of that user ends; refuses a reason over 500 characters and changes nothing', async () => {
    const { jar } = await consoleAdmin()
    const user = await newUser()
    await loginAs(user)
    await loginAs(user)
    const tooLong = await page('POST', `/console/users/${user.id}/sign-out-all`, { jar, form: { reason: 'x'.repeat(501) } })
    expect(tooLong.status).toBe(200)
    expect(tooLong.text).toContain('Must be at most 500 characters.')
    expect(await activeIds(user.id)).toHaveLength(2)
    const done = await page('POST', `/console/users/${user.id}/sign-out-all`, { jar, form: { reason: '' } })
    expect(done.status).toBe(303)
    expect(await activeIds(user.id)).toHaveLength(0)
    expect(statusOf((await page('GET', done.location!, { jar })).text)).toBe(`Signed out 2 sessions of ${user.email}.`)
  })
})

describe('a password proof within REAUTH_WINDOW', () => {
  it('is asked for once the window has passed: none, a wrong one, then the right one', async () => {
    const admin = await consoleAdmin()
    const user = await newUser()
    const session = sessionIdOf((await loginAs(user)).accessToken)
    clock.advance(6 * MINUTE)
    const path = `/console/users/${user.id}/sessions/${session}/sign-out`
    expect((await page('GET', path, { jar: admin.jar })).text).toContain('name="password"')

    const none = await page('POST', path, { jar: admin.jar, form: { reason: 'kept' } })
    expect(none.status).toBe(200)
    expect(none.text).toContain('Enter your password.')
    expect(none.text).toContain('>kept</textarea>')
    const wrong = await page('POST', path, { jar: admin.jar, form: { reason: 'kept', password: 'not my password, no' } })
    expect(wrong.text).toContain('The password is incorrect.')
    expect(await activeIds(user.id)).toContain(session)

    const right = await page('POST', path, { jar: admin.jar, form: { reason: 'kept', password: admin.password } })
    expect(right.status).toBe(303)
    expect(await activeIds(user.id)).not.toContain(session)
    // Proven again just now: the next change asks no password.
    expect((await page('GET', `/console/users/${user.id}/disable`, { jar: admin.jar })).text).not.toContain('name="password"')
  })
})

describe('account actions', () => {
  it('disable ends every session and blocks login, with the reason in account_disabled; enable lets the user in again', async () => {
    const { jar } = await consoleAdmin()
    const user = await newUser()
    const { accessToken } = await loginAs(user)
    const disabled = await page('POST', `/console/users/${user.id}/disable`, { jar, form: { reason: 'Chargeback fraud' } })
    expect(disabled.status).toBe(303)
    expect(await activeIds(user.id)).toHaveLength(0)
    expect((await call(app, 'POST', '/login', { json: { email: user.email, password: user.password } })).status).toBe(401)
    expect((await page('GET', `/console/users/${user.id}`, { jar })).text).toContain('Enable account')
    const events = await services.myAccount.listEvents(user.id, 5, null)
    expect(events.events.find((event) => event.type === 'account_disabled')?.details).toMatchObject({ reasonNote: 'Chargeback fraud' })
    expect((await call(app, 'GET', '/me', { bearer: accessToken })).status).toBe(401)

    expect((await page('POST', `/console/users/${user.id}/enable`, { jar, form: {} })).status).toBe(303)
    expect((await call(app, 'POST', '/login', { json: { email: user.email, password: user.password } })).status).toBe(200)
  })

  it('delete needs the account’s email typed; anything else changes nothing', async () => {
    const { jar } = await consoleAdmin()
    const user = await newUser()
    const wrong = await page('POST', `/console/users/${user.id}/delete`, { jar, form: { typed: 'someone-else@example.test' } })
    expect(wrong.status).toBe(200)
    expect(wrong.text).toContain('That is not what was asked for.')
    expect(await services.accounts.findById(user.id)).not.toBeNull()
    const done = await page('POST', `/console/users/${user.id}/delete`, { jar, form: { typed: ` ${user.email.toUpperCase()} ` } })
    expect(done.status).toBe(303)
    expect(done.location).toBe('/console/users')
    expect(await services.accounts.findById(user.id)).toBeNull()
    expect((await page('GET', `/console/users/${user.id}`, { jar })).status).toBe(404)
  })

  it('sign out every user needs the phrase typed; every other session ends, the acting console session stays', async () => {
    // A ledger of its own: every session in it ends, and other files' sessions must not.
    const isolated = await buildTestApp({ clock, database: await isolatedDatabase(), env: { ADMIN_API_KEY: KEY } })
    const { page, newUser, loginAs, consoleAdmin, activeIds } = consoleWorld(isolated)
    const app = isolated.app
    const admin = await consoleAdmin()
    const otherAdmin = await consoleAdmin()
    const user = await newUser()
    const session = sessionIdOf((await loginAs(user)).accessToken)
    const refused = await page('POST', '/console/sign-out-everyone', { jar: admin.jar, form: { typed: 'yes' } })
    expect(refused.status).toBe(200)
    expect(await activeIds(user.id)).toContain(session)

    const done = await page('POST', '/console/sign-out-everyone', { jar: admin.jar, form: { typed: EVERYONE_PHRASE.toUpperCase(), reason: 'Signing key leaked' } })
    expect(done.status).toBe(303)
    expect(await activeIds(user.id)).toHaveLength(0)
    expect((await page('GET', '/console', { jar: admin.jar })).status).toBe(200)
    expect((await page('GET', '/console', { jar: otherAdmin.jar })).status).toBe(303)
    const audit = await call(app, 'GET', '/admin/audit?limit=1', { bearer: KEY })
    expect(audit.body.entries[0]).toMatchObject({ action: 'revoke_all_sessions', actor: { type: 'admin', id: admin.id }, reason: 'Signing key leaked' })
  })
})

describe('finding users', () => {
  it('pages a case-insensitive e-mail prefix 50 at a time with the total', async () => {
    const { jar } = await consoleAdmin()
    const prefix = `page-${Date.now().toString(36)}-`
    // In bulk, with one shared hash: 120 argon2id hashes would only test the machine's patience.
    const { passwordHash } = (await services.accounts.findById((await newUser()).id))!
    const now = new Date()
    await services.db.insert(users).values(
      Array.from({ length: 120 }, (_, i) => ({ id: randomUUID(), email: `${prefix}${String(i).padStart(3, '0')}@example.test`, passwordHash, createdAt: now, passwordChangedAt: now })),
    )
    const emailsOn = (html: string) => [...html.matchAll(new RegExp(`>(${prefix}\\d{3}@example\\.test)<`, 'g'))].map((match) => match[1])
    const first = await page('GET', `/console/users?email=${encodeURIComponent(prefix.toUpperCase())}`, { jar })
    expect(first.text).toContain('120 users whose email starts with')
    expect(emailsOn(first.text)).toHaveLength(50)
    expect(emailsOn(first.text)[0]).toBe(`${prefix}000@example.test`)
    const seen = [...emailsOn(first.text)]
    let html = first.text
    for (let pageNumber = 2; pageNumber <= 3; pageNumber += 1) {
      const next = /href="(\/console\/users\?[^"]+)">Next page</.exec(html)![1]!.replace(/&amp;/g, '&')
      html = (await page('GET', next, { jar })).text
      seen.push(...emailsOn(html))
    }
    expect(seen).toHaveLength(120)
    expect(new Set(seen).size).toBe(120)
    expect(html).not.toContain('Next page')
  })

  it('refuses a cursor it did not make with 400 and a message, not an empty list', async () => {
    const { jar } = await consoleAdmin()
    const res = await page('GET', '/console/users?cursor=bogus', { jar })
    expect(res.status).toBe(400)
    expect(statusOf(res.text)).toBe('That search cannot be run: enter the start of an email.')
  })
})

describe('every console change is audited', () => {
  it('one entry per change, naming the admin, the target and the reason (the browser test checks the address)', async () => {
    const admin = await consoleAdmin()
    const user = await newUser()
    const first = sessionIdOf((await loginAs(user)).accessToken)
    await loginAs(user)
    const post = (path: string, form: Record<string, string>) => page('POST', `/console/users/${user.id}/${path}`, { jar: admin.jar, form })
    expect((await post(`sessions/${first}/sign-out`, { reason: 'one' })).status).toBe(303)
    expect((await post('sign-out-all', { reason: 'two' })).status).toBe(303)
    expect((await post('disable', { reason: 'three' })).status).toBe(303)
    expect((await post('enable', { reason: 'four' })).status).toBe(303)
    expect((await post('delete', { reason: 'five', typed: user.email })).status).toBe(303)
    const audit = await call(app, 'GET', `/admin/audit?userId=${user.id}`, { bearer: KEY })
    expect(audit.body.entries.map((entry: { action: string; reason: string }) => [entry.action, entry.reason])).toEqual([
      ['delete_user', 'five'],
      ['enable_user', 'four'],
      ['disable_user', 'three'],
      ['revoke_user_sessions', 'two'],
      ['revoke_session', 'one'],
    ])
    for (const entry of audit.body.entries) expect(entry).toMatchObject({ actor: { type: 'admin', id: admin.id, email: admin.email }, target: { userId: user.id } })
    expect(audit.body.entries[4].target.sessionId).toBe(first)
  })
})

describe('the audit log page', () => {
  it('shows entries from the console (by admin) and the API (by key fingerprint), filtered by user and by actor', async () => {
    const admin = await consoleAdmin()
    const user = await newUser()
    await loginAs(user)
    expect((await page('POST', `/console/users/${user.id}/sign-out-all`, { jar: admin.jar, form: { reason: 'from the console' } })).status).toBe(303)
    expect((await call(app, 'POST', `/admin/users/${user.id}/disable`, { bearer: KEY, json: { reason: 'from the API' } })).status).toBe(200)

    const byUser = await page('GET', `/console/audit?user=${encodeURIComponent(user.email)}`, { jar: admin.jar })
    expect(byUser.status).toBe(200)
    expect(byUser.text).toContain('from the console')
    expect(byUser.text).toContain('from the API')
    expect(byUser.text).toContain(`API key ${keyFingerprint(KEY)}`)
    expect(byUser.text).toContain('Disabled an account')
    expect(byUser.text).toContain('Signed out all sessions of a user')

    const byAdmin = await page('GET', `/console/audit?user=${user.id}&actor=${encodeURIComponent(admin.email)}`, { jar: admin.jar })
    expect(byAdmin.text).toContain('from the console')
    expect(byAdmin.text).not.toContain('from the API')
    const byKey = await page('GET', `/console/audit?user=${user.id}&actor=${keyFingerprint(KEY)}`, { jar: admin.jar })
    expect(byKey.text).toContain('from the API')
    expect(byKey.text).not.toContain('from the console')

    const nobody = await page('GET', '/console/audit?user=nobody%40example.test', { jar: admin.jar })
    expect(nobody.status).toBe(400)
    expect(statusOf(nobody.text)).toBe('No user has that email or id.')
  })
})

describe('cross-origin protection', () => {
  it('a console form posted from another origin or from 127.0.0.1 (not this Host) is refused and changes nothing', async () => {
    const { jar } = await consoleAdmin()
    const user = await newUser()
    const session = sessionIdOf((await loginAs(user)).accessToken)
    const attempts: Array<Record<string, string>> = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'http://localhost:9999' },
      { origin: 'http://127.0.0.1' },
    ]
    for (const headers of attempts) {
      const res = await page('POST', `/console/users/${user.id}/sign-out-all`, { jar, form: {}, headers: { host: 'localhost', ...headers } })
      expect(res.status, JSON.stringify(headers)).toBe(403)
      expect(res.text).toContain('Nothing was changed')
    }
    expect(await activeIds(user.id)).toContain(session)
    expect(config.publicOrigin).toBeNull()
  })
})
