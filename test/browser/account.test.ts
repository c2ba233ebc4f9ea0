import { Hono } from 'hono'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { refreshTokens, sessions as sessionsTable } from '../../src/stores/schema.js'
import { ACCESS_COOKIE, REFRESH_COOKIE } from '../../src/http/cookies.js'
import { isolatedDatabase } from '../support/app.js'
import { serveOnLoopback, USER_AGENTS } from '../support/browser.js'
import {
  accountDevice,
  checkPage,
  clickAndLoad,
  IPS,
  registerUser,
  signIn,
  startAccountApp,
  statusText,
  userOnDevices,
  type AccountApp,
  type AccountDevice,
} from '../support/account-pages.js'

/**
 * The hosted account pages in Debian's Chromium, on the real app (Postgres, Redis, fake clock):
 * devices are browser contexts with their own cookie jar, User-Agent and address. Every page state
 * visited is checked for console errors, CSP violations and axe findings, and screenshotted at
 * desktop and 375 px (test-artifacts/screenshots/account-*.png).
 */
const app = await startAccountApp()
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'
const MINUTE = 60_000

async function activeIds(test: AccountApp, userId: string): Promise<string[]> {
  return (await test.services.sessions.listActive(userId)).map((session) => session.id)
}

async function sessionOf(test: AccountApp, userId: string, device: string) {
  const found = (await test.services.sessions.listActive(userId)).find((session) => session.device === device)
  if (!found) throw new Error(`no active session on ${device}`)
  return found
}

async function cookieNames(device: AccountDevice): Promise<string[]> {
  return (await device.context.cookies()).map((cookie) => cookie.name)
}

function expectClean(device: AccountDevice) {
  expect(device.cspViolations).toEqual([])
  expect(device.problems).toEqual([])
  expect(device.dialogs).toEqual([])
}

describe('the account pages in Chromium', () => {
  it('two devices are two sessions: A sees both, this device first, and signs B out; B’s next page is the sign-in page', async () => {
    const user = await registerUser(app.app)
    const a = await accountDevice({ userAgent: USER_AGENTS.desktopChrome, ip: IPS.berlin })
    const b = await accountDevice({ userAgent: USER_AGENTS.iphoneSafari, ip: IPS.sydney, viewport: { width: 375, height: 812 } })

    await a.page.goto(`${app.origin}/account`)
    await checkPage(a, 'sign-in')
    await signIn(a, app.origin, user)
    app.clock.advance(5 * MINUTE)
    await signIn(b, app.origin, user)
    app.clock.advance(3 * MINUTE)

    await a.page.goto(`${app.origin}/account`)
    const rows = a.page.locator('.sessions').first().getByRole('listitem')
    await expect.poll(() => rows.count()).toBe(2)
    // This device first, marked, and without an end button; the other one can be ended.
    await expect.poll(() => rows.nth(0).innerText()).toMatch(/Chrome 131 on Linux\s*This device/)
    expect(await rows.nth(0).getByRole('button').count()).toBe(0)
    expect(await rows.nth(0).getByRole('img', { name: 'Computer' }).count()).toBe(1)
    expect(await rows.nth(1).getByRole('img', { name: 'Phone' }).count()).toBe(1)
    const other = await rows.nth(1).innerText()
    expect(other).toContain('Sydney, AU (approximate)')
    expect(other).toContain(IPS.sydney)
    expect(other).toContain('Last active 3 minutes ago')
    expect(await rows.nth(1).locator('time[title]').first().getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(await a.page.getByRole('button', { name: /^Sign out Chrome/ }).count()).toBe(0)
    await checkPage(a, 'sessions')

    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: /^Sign out.*Safari on iOS/ }).click())
    expect(await a.page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign out Safari on iOS?')
    await checkPage(a, 'confirm')
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    expect(a.page.url()).toBe(`${app.origin}/account`)
    expect(await statusText(a.page)).toBe('Signed out Safari on iOS.')
    expect(await a.page.locator('.sessions').first().getByRole('listitem').count()).toBe(1)
    expect(await a.page.getByRole('button', { name: 'Sign out all other sessions' }).count()).toBe(0)
    expect(await a.page.locator('.session-ended').innerText()).toMatch(/Safari on iOS[\s\S]*Ended just now: signed out from another device/)
    await checkPage(a, 'sessions-after-sign-out')

    // B's next page: the sign-in form, saying why; its session cookies are gone.
    await b.page.goto(`${app.origin}/account`)
    await b.page.getByRole('button', { name: 'Sign in' }).waitFor()
    expect(await statusText(b.page)).toBe('This device was signed out from another device. Sign in again to continue.')
    expect(await cookieNames(b)).not.toContain(ACCESS_COOKIE)
    expect(await cookieNames(b)).not.toContain(REFRESH_COOKIE)
    await checkPage(b, 'signed-out-elsewhere')
    expect(await activeIds(app, user.id)).toHaveLength(1)
  }, 120_000)

  it('Cancel on the confirm step sends no request and ends nothing', async () => {
    const {
      user,
      devices: [a],
    } = await userOnDevices(app, [{ userAgent: USER_AGENTS.desktopChrome }, { userAgent: USER_AGENTS.macFirefox }])
    await a!.page.goto(`${app.origin}/account`)
    await clickAndLoad(a!.page, () => a!.page.getByRole('button', { name: /^Sign out Firefox 133 on macOS/ }).click())
    const sent = [...a!.unsafeRequests]
    await clickAndLoad(a!.page, () => a!.page.getByRole('link', { name: 'Cancel' }).click())
    expect(a!.unsafeRequests).toEqual(sent)
    expect(a!.page.url()).toBe(`${app.origin}/account`)
    expect(await activeIds(app, user.id)).toHaveLength(2)
    expectClean(a!)
  }, 60_000)

  it('a failed sign-in says so in the live region and keeps the email (never the password)', async () => {
    const user = await registerUser(app.app)
    const a = await accountDevice()
    await a.page.goto(`${app.origin}/account`)
    await a.page.getByLabel('Email').fill(user.email)
    await a.page.getByLabel('Password').fill('not the password at all')
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Sign in' }).click())
    expect(await statusText(a.page)).toBe('The email or password is incorrect.')
    expect(await a.page.getByLabel('Email').inputValue()).toBe(user.email)
    expect(await a.page.getByLabel('Password').inputValue()).toBe('')
    await checkPage(a, 'sign-in-failed')
  }, 60_000)

  it('past REAUTH_WINDOW an action asks for the password (a wrong one is refused inline) and then completes without asking again', async () => {
    const test = await startAccountApp()
    const { user, devices } = await userOnDevices(test, [
      { userAgent: USER_AGENTS.desktopChrome, ip: IPS.berlin },
      { userAgent: USER_AGENTS.macFirefox, ip: IPS.sydney },
      { userAgent: ANDROID, ip: IPS.sydney },
    ])
    const a = devices[0]!
    test.clock.advance(test.config.reauthWindowMs + MINUTE)

    await a.page.goto(`${test.origin}/account`)
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: /^Sign out Firefox/ }).click())
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    // The re-authentication step: Password + Confirm, naming what it is for.
    expect(await a.page.getByRole('heading', { level: 1 }).innerText()).toBe('Confirm it’s you')
    expect(await a.page.locator('main').innerText()).toContain('To sign out Firefox 133 on macOS, enter your password.')
    await a.page.getByLabel('Password').waitFor()
    await checkPage(a, 'reauth')

    await a.page.getByLabel('Password').fill('wrong password, surely')
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    expect(await statusText(a.page)).toBe('The password is incorrect.')
    expect(await a.page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true')
    expect(await activeIds(test, user.id)).toHaveLength(3)
    await checkPage(a, 'reauth-wrong-password')

    await a.page.getByLabel('Password').fill(user.password)
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    expect(a.page.url()).toBe(`${test.origin}/account`)
    expect(await statusText(a.page)).toBe('Signed out Firefox 133 on macOS.')
    expect(await activeIds(test, user.id)).toHaveLength(2)

    // Within the renewed window the next action goes straight through.
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: /^Sign out Chrome 131 on Android/ }).click())
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    expect(await statusText(a.page)).toBe('Signed out Chrome 131 on Android.')
    expect(await activeIds(test, user.id)).toHaveLength(1)
    expectClean(a)
  }, 120_000)

  it('an expired access cookie with a valid refresh cookie is rotated by the page, not bounced to sign-in', async () => {
    const test = await startAccountApp()
    const user = await registerUser(test.app)
    const a = await accountDevice()
    await signIn(a, test.origin, user)
    const before = (await a.context.cookies()).find((cookie) => cookie.name === REFRESH_COOKIE)?.value
    test.clock.advance(test.config.accessTokenTtlMs + MINUTE)
    await a.page.goto(`${test.origin}/account`)
    expect(await a.page.getByRole('heading', { name: 'Your sessions' }).count()).toBe(1)
    const after = (await a.context.cookies()).find((cookie) => cookie.name === REFRESH_COOKIE)?.value
    expect(after).toBeDefined()
    expect(after).not.toBe(before)
    const [session] = await test.services.sessions.listActive(user.id)
    const tokens = await test.services.db.select().from(refreshTokens).where(eq(refreshTokens.sessionId, session!.id))
    expect(tokens.map((token) => token.generation).sort()).toEqual([0, 1])
    // And the new pair works on the next page without another rotation.
    await a.page.goto(`${test.origin}/account/activity`)
    expect(await a.page.getByRole('heading', { name: 'Security activity' }).count()).toBe(1)
    expect(await test.services.db.select().from(refreshTokens).where(eq(refreshTokens.sessionId, session!.id))).toHaveLength(2)
    expectClean(a)
  }, 60_000)

  it('Sign out all other sessions (shown with two or more) ends every session but this one', async () => {
    const user = await registerUser(app.app)
    const a = await accountDevice({ userAgent: USER_AGENTS.desktopChrome })
    const others = [await accountDevice({ userAgent: USER_AGENTS.macFirefox }), await accountDevice({ userAgent: ANDROID })]
    await signIn(a, app.origin, user)
    await a.page.goto(`${app.origin}/account`)
    expect(await a.page.getByRole('button', { name: 'Sign out all other sessions' }).count()).toBe(0)
    for (const device of others) await signIn(device, app.origin, user)
    await a.page.goto(`${app.origin}/account`)
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Sign out all other sessions' }).click())
    expect(await a.page.locator('main').innerText()).toContain('This signs out 2 other sessions. This device stays signed in.')
    await checkPage(a, 'confirm-others')
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    expect(await statusText(a.page)).toBe('Signed out 2 other sessions.')
    expect(await a.page.getByRole('button', { name: 'Sign out all other sessions' }).count()).toBe(0)
    const [only] = await app.services.sessions.listActive(user.id)
    expect(only?.device).toBe('Chrome 131 on Linux')
    for (const device of others) {
      await device.page.goto(`${app.origin}/account`)
      await device.page.getByRole('button', { name: 'Sign in' }).waitFor()
    }
    expectClean(a)
  }, 90_000)

  it('security activity: newest first and paged; "Not you? Sign out that device" ends exactly that session and offers a password change', async () => {
    const user = await registerUser(app.app)
    const a = await accountDevice({ userAgent: USER_AGENTS.desktopChrome, ip: IPS.berlin })
    const b = await accountDevice({ userAgent: ANDROID, ip: IPS.sydney })
    const c = await accountDevice({ userAgent: USER_AGENTS.macFirefox, ip: IPS.unknown })
    await signIn(a, app.origin, user)
    app.clock.advance(2 * MINUTE)
    await signIn(c, app.origin, user)
    app.clock.advance(2 * MINUTE)
    await signIn(b, app.origin, user)
    app.clock.advance(MINUTE)

    await a.page.goto(`${app.origin}/account/activity`)
    const events = a.page.locator('.events > li')
    // Newest first: B's sign-in (a new device) leads.
    expect(await events.nth(0).innerText()).toMatch(/^Signed in from a new device or location[\s\S]*Chrome 131 on Android[\s\S]*Sydney, AU \(approximate\)/)
    expect(await events.nth(1).innerText()).toMatch(/^Signed in\n/)
    // Only the other devices' new-device sign-ins offer "Not you?": not this device's own.
    expect(await a.page.getByRole('link', { name: 'Not you? Sign out that device' }).count()).toBe(2)
    await checkPage(a, 'activity')

    await clickAndLoad(a.page, () => events.nth(0).getByRole('link', { name: 'Not you? Sign out that device' }).click())
    expect(await a.page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign out Chrome 131 on Android?')
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    expect(a.page.url()).toBe(`${app.origin}/account/activity`)
    expect(await statusText(a.page)).toBe('Signed out Chrome 131 on Android. If that was not you, change your password now.')
    expect(await a.page.getByRole('link', { name: 'Change your password' }).first().getAttribute('href')).toBe('/account/password')
    const left = (await app.services.sessions.listActive(user.id)).map((session) => session.device).sort()
    expect(left).toEqual(['Chrome 131 on Linux', 'Firefox 133 on macOS'])
    await checkPage(a, 'activity-not-you-done')

    // Paging: enough sign-ins for a second page, which leads back to the newest.
    for (let i = 0; i < 14; i += 1) {
      await app.services.sessions.login(user.email, user.password, { ip: IPS.berlin, userAgent: USER_AGENTS.desktopChrome, device: 'Chrome 131 on Linux', location: 'Berlin, DE' })
    }
    await a.page.goto(`${app.origin}/account/activity`)
    expect(await events.count()).toBe(20)
    await clickAndLoad(a.page, () => a.page.getByRole('link', { name: 'Older activity' }).click())
    expect(a.page.url()).toMatch(/\/account\/activity\?cursor=[\w-]+$/)
    expect(await events.count()).toBeGreaterThan(0)
    expect(await events.last().innerText()).toMatch(/^Signed in\n/) // A's first sign-in, the oldest event
    await a.page.getByRole('link', { name: 'Newest activity' }).waitFor()
    await checkPage(a, 'activity-older')
  }, 120_000)

  it('sessions idle for more than a week are flagged inactive, and one action signs them all out', async () => {
    const test = await startAccountApp({ env: { SESSION_IDLE_TIMEOUT: '30d' } })
    const { user, devices } = await userOnDevices(test, [
      { userAgent: USER_AGENTS.desktopChrome, ip: IPS.berlin },
      { userAgent: USER_AGENTS.macFirefox, ip: IPS.sydney },
      { userAgent: USER_AGENTS.iphoneSafari, ip: IPS.sydney },
    ])
    const a = devices[0]!
    test.clock.advance(8 * 24 * 60 * MINUTE)
    await signIn(await accountDevice({ userAgent: ANDROID, ip: IPS.sydney }), test.origin, user)

    await a.page.goto(`${test.origin}/account`)
    expect(await a.page.locator('.badge', { hasText: 'Inactive' }).count()).toBe(2)
    expect(await a.page.getByRole('heading', { name: '2 inactive sessions' }).count()).toBe(1)
    await checkPage(a, 'sessions-inactive')
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Sign out inactive sessions' }).click())
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    // A week on, this session's password proof is old: re-authenticate, then it completes.
    await a.page.getByLabel('Password').fill(user.password)
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    expect(await statusText(a.page)).toBe('Signed out 2 inactive sessions.')
    const left = (await test.services.sessions.listActive(user.id)).map((session) => session.device).sort()
    expect(left).toEqual(['Chrome 131 on Android', 'Chrome 131 on Linux'])
    expect(await a.page.getByRole('button', { name: 'Sign out inactive sessions' }).count()).toBe(0)
    expectClean(a)
  }, 120_000)

  it('change password: the policy’s errors inline; afterwards every other session is gone and the page says so', async () => {
    const { user, devices } = await userOnDevices(app, [{ userAgent: USER_AGENTS.desktopChrome }, { userAgent: USER_AGENTS.macFirefox }])
    const [a, b] = devices as [AccountDevice, AccountDevice]
    await a.page.goto(`${app.origin}/account`)
    await clickAndLoad(a.page, () => a.page.getByRole('link', { name: 'Password' }).click())
    await checkPage(a, 'password')

    const current = a.page.getByLabel('Current password')
    const fresh = a.page.getByLabel('New password')
    const submit = () => clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Change password' }).click())
    await current.fill(user.password)
    await fresh.fill('short')
    await submit()
    expect(await a.page.locator('#new-password-error').innerText()).toBe('Password must be at least 12 characters.')
    expect(await fresh.getAttribute('aria-invalid')).toBe('true')
    expect(await fresh.getAttribute('aria-describedby')).toContain('new-password-error')
    expect(await statusText(a.page)).toBe('Your password was not changed.')
    await checkPage(a, 'password-policy-error')

    await current.fill(user.password)
    await fresh.fill('qwerty123456')
    await submit()
    expect(await a.page.locator('#new-password-error').innerText()).toBe('Password is too common.')

    await current.fill('this is not it at all')
    await fresh.fill('a brand new passphrase 2026')
    await submit()
    expect(await a.page.locator('#current-password-error').innerText()).toBe('The password is incorrect.')
    expect(await current.getAttribute('aria-invalid')).toBe('true')

    await current.fill(user.password)
    await fresh.fill('a brand new passphrase 2026')
    await submit()
    expect(a.page.url()).toBe(`${app.origin}/account`)
    expect(await statusText(a.page)).toBe('Your password has been changed. Every other session has been signed out; this device stays signed in.')
    expect(await a.page.locator('.sessions').first().getByRole('listitem').count()).toBe(1)
    expect(await a.page.locator('.session-ended').first().innerText()).toContain('password changed')
    await checkPage(a, 'password-changed')

    await b.page.goto(`${app.origin}/account`)
    expect(await statusText(b.page)).toBe('Your password was changed, so this device was signed out. Sign in with the new password.')
    await signIn(b, app.origin, { email: user.email, password: 'a brand new passphrase 2026' })
    expect(await b.page.getByRole('heading', { name: 'Your sessions' }).count()).toBe(1)
    expectClean(a)
  }, 120_000)

  it('Sign out (this device) ends the session and lands on sign-in; going back shows no session data', async () => {
    const user = await registerUser(app.app)
    const a = await accountDevice({ userAgent: USER_AGENTS.desktopChrome })
    await signIn(a, app.origin, user)
    await a.page.goto(`${app.origin}/account/activity`)
    const [session] = await app.services.sessions.listActive(user.id)
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Sign out', exact: true }).click())
    expect(a.page.url()).toBe(`${app.origin}/account/sign-in`)
    expect(await statusText(a.page)).toBe('You have signed out.')
    await checkPage(a, 'signed-out')
    expect(await cookieNames(a)).not.toContain(ACCESS_COOKIE)
    expect(await cookieNames(a)).not.toContain(REFRESH_COOKIE)
    const [row] = await app.services.db.select().from(sessionsTable).where(eq(sessionsTable.id, session!.id))
    expect(row?.endReason).toBe('logout')

    // Back (and back again): the browser asks again (no-store, nothing in the back/forward cache) and gets the sign-in form.
    for (let step = 0; step < 2; step += 1) {
      await a.page.goBack()
      const text = await a.page.locator('body').innerText()
      expect(text).not.toContain(user.email)
      expect(text).not.toContain('Chrome 131 on Linux')
      expect(await a.page.getByRole('button', { name: 'Sign in' }).count()).toBe(1)
    }
    expectClean(a)
  }, 60_000)

  it('Sign out everywhere ends every session, this device too', async () => {
    const { user, devices } = await userOnDevices(app, [{ userAgent: USER_AGENTS.desktopChrome }, { userAgent: USER_AGENTS.macFirefox }])
    const a = devices[0]!
    await a.page.goto(`${app.origin}/account`)
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Sign out everywhere' }).click())
    expect(await a.page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign out everywhere?')
    await checkPage(a, 'confirm-everywhere')
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    expect(a.page.url()).toBe(`${app.origin}/account/sign-in`)
    expect(await statusText(a.page)).toBe('Signed out everywhere: this device and 1 other session.')
    expect(await activeIds(app, user.id)).toEqual([])
    expect(await cookieNames(a)).not.toContain(ACCESS_COOKIE)
    expectClean(a)
  }, 60_000)

  it('no token is readable by script: document.cookie and web storage hold none, and no page carries one', async () => {
    const user = await registerUser(app.app)
    const a = await accountDevice()
    const bodies: string[] = []
    a.page.on('response', async (response) => {
      if (response.request().resourceType() === 'document') bodies.push(await response.text().catch(() => ''))
    })
    await signIn(a, app.origin, user)
    await a.page.goto(`${app.origin}/account/activity`)
    await a.page.goto(`${app.origin}/account/password`)
    expect(await a.page.evaluate(() => document.cookie)).toBe('')
    expect(await a.page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0])
    const jar = await a.context.cookies()
    const tokens = jar.filter((cookie) => cookie.name === ACCESS_COOKIE || cookie.name === REFRESH_COOKIE)
    expect(tokens).toHaveLength(2)
    for (const cookie of jar) expect({ name: cookie.name, httpOnly: cookie.httpOnly, secure: cookie.secure, sameSite: cookie.sameSite }).toEqual({ name: cookie.name, httpOnly: true, secure: true, sameSite: 'Strict' })
    for (const token of tokens) {
      for (const body of bodies) expect(body).not.toContain(token.value)
      expect(a.page.url()).not.toContain(token.value)
    }
    expectClean(a)
  }, 60_000)

  it('pages on another port of localhost (same-site) and on 127.0.0.1 (cross-site) change nothing and frame nothing', async () => {
    const { user, devices } = await userOnDevices(app, [{ userAgent: USER_AGENTS.desktopChrome }, { userAgent: USER_AGENTS.macFirefox }])
    const a = devices[0]!
    const victim = await sessionOf(app, user.id, 'Firefox 133 on macOS')
    const targets = [`/account/sessions/${victim.id}/sign-out`, '/account/sessions/all/sign-out', '/account/sign-out']

    const evil = new Hono()
    evil.get('/frame', (c) => c.html(`<!doctype html><title>frame</title><iframe name="f" src="${app.origin}/account" width="600" height="400"></iframe>`))
    evil.get('/form', (c) =>
      c.html(
        `<!doctype html><title>form</title><form id="f" method="post" action="${app.origin}${c.req.query('to')}"><input name="from" value="activity"></form>` +
          `<script>document.getElementById('f').submit()</script>`,
      ),
    )
    evil.get('/fetch', (c) =>
      c.html(
        `<!doctype html><title>fetch</title><script>Promise.allSettled(${JSON.stringify(targets.map((path) => app.origin + path))}` +
          `.map((url) => fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include' }))).then(() => { document.title = 'done' })</script>`,
      ),
    )
    const evilPort = await serveOnLoopback(evil)

    for (const attacker of [`http://localhost:${evilPort}`, `http://127.0.0.1:${evilPort}`]) {
      await a.page.goto(`${attacker}/frame`)
      // Refused by frame-ancestors 'none' / X-Frame-Options: Chromium shows its own error page instead.
      await expect.poll(() => a.page.frame({ name: 'f' })?.url()).toBe('chrome-error://chromewebdata/')
      expect(await a.page.frame({ name: 'f' })!.locator('body').innerText()).not.toMatch(/Your sessions|Sign in|sessiond/)

      await a.page.goto(`${attacker}/fetch`)
      await expect.poll(() => a.page.title()).toBe('done')

      for (const to of targets) {
        const [refused] = await Promise.all([
          a.page.waitForResponse((response) => response.url() === `${app.origin}${to}`),
          a.page.goto(`${attacker}/form?to=${encodeURIComponent(to)}`),
        ])
        expect(refused.status(), `${attacker} → ${to}`).toBe(403)
      }
      expect((await activeIds(app, user.id)).sort()).toHaveLength(2)
    }
    // Still signed in, both sessions untouched.
    await a.page.goto(`${app.origin}/account`)
    expect(await a.page.locator('.sessions').first().getByRole('listitem').count()).toBe(2)
    expect(a.dialogs).toEqual([])
  }, 90_000)

  it('what users and User-Agents send is rendered as text: no markup, no dialog', async () => {
    const hostile = '<img src=x onerror=alert(1)>'
    const user = await registerUser(app.app)
    const a = await accountDevice({ userAgent: USER_AGENTS.desktopChrome })
    await signIn(a, app.origin, user)
    // A device whose User-Agent is markup: recorded as "Unknown device", never as the UA's text.
    await signIn(await accountDevice({ userAgent: hostile }), app.origin, user)
    await a.page.goto(`${app.origin}/account`)
    expect(await a.page.getByRole('button', { name: /^Sign out Unknown device/ }).count()).toBe(1)

    // An email that is markup (the API's schema would refuse it; the service does not care): shown as
    // text. In a database of its own: other files list every user and hold each email to the schema.
    const own = await startAccountApp({ database: await isolatedDatabase() })
    const email = `${hostile}"'@example.test`
    await own.services.accounts.register(email, user.password)
    const h = await accountDevice({ userAgent: USER_AGENTS.desktopChrome })
    await h.page.goto(`${own.origin}/account`)
    await h.page.locator('form').evaluate((form) => ((form as HTMLFormElement).noValidate = true))
    await h.page.getByLabel('Email').fill(email)
    await h.page.getByLabel('Password').fill(user.password)
    await clickAndLoad(h.page, () => h.page.getByRole('button', { name: 'Sign in' }).click())
    await h.page.goto(`${own.origin}/account`)
    expect(await h.page.locator('.email').innerText()).toBe(email)
    await h.page.goto(`${own.origin}/account/password`)
    expect(await h.page.locator('.email').innerText()).toBe(email)
    expect(await h.page.locator('img').count()).toBe(0)

    // And what a visitor types into the sign-in form comes back as the field's value, nothing more.
    const v = await accountDevice()
    await v.page.goto(`${app.origin}/account`)
    await v.page.locator('form').evaluate((form) => ((form as HTMLFormElement).noValidate = true))
    await v.page.getByLabel('Email').fill(`"><script>alert(2)</script>${hostile}`)
    await v.page.getByLabel('Password').fill('whatever it is')
    await clickAndLoad(v.page, () => v.page.getByRole('button', { name: 'Sign in' }).click())
    expect(await v.page.getByLabel('Email').inputValue()).toBe(`"><script>alert(2)</script>${hostile}`)
    expect(await v.page.locator('img, main script').count()).toBe(0)
    for (const device of [a, h, v]) expectClean(device)
  }, 90_000)

  it('a signed-out visitor to any /account URL signs in and comes back to it; next never leaves /account', async () => {
    const user = await registerUser(app.app)
    const a = await accountDevice()
    await a.page.goto(`${app.origin}/account/activity`)
    expect(a.page.url()).toBe(`${app.origin}/account/sign-in?next=%2Faccount%2Factivity`)
    await a.page.getByLabel('Email').fill(user.email)
    await a.page.getByLabel('Password').fill(user.password)
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Sign in' }).click())
    expect(a.page.url()).toBe(`${app.origin}/account/activity`)

    for (const next of ['https://evil.example/account', '//evil.example/account', '/account/../admin', '/accounts', '/account\\@evil.example']) {
      await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Sign out', exact: true }).click())
      await signIn(a, app.origin, user, `/account/sign-in?next=${encodeURIComponent(next)}`)
      expect(a.page.url(), next).toBe(`${app.origin}/account`)
    }
    expectClean(a)
  }, 90_000)

  it('keyboard only: sign in, then sign a session out', async () => {
    const user = await registerUser(app.app)
    await signIn(await accountDevice({ userAgent: USER_AGENTS.macFirefox }), app.origin, user)
    const a = await accountDevice({ userAgent: USER_AGENTS.desktopChrome })
    const { page } = a
    // What has focus: a field by its label, anything else by its text.
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLInputElement | null
        const label = element?.labels?.[0]?.textContent ?? element?.textContent ?? ''
        return label.replace(/\s+/g, ' ').trim()
      })
    const tabTo = async (name: RegExp) => {
      for (let i = 0; i < 30; i += 1) {
        await page.keyboard.press('Tab')
        if (name.test(await focused())) return
      }
      throw new Error(`Tab never reached ${name}`)
    }

    await page.goto(`${app.origin}/account`)
    await tabTo(/^Email$/)
    await page.keyboard.type(user.email)
    await tabTo(/^Password$/)
    await page.keyboard.type(user.password)
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')])
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor()

    await tabTo(/^Sign out Firefox 133 on macOS$/)
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid')
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')])
    await tabTo(/^Confirm$/)
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')])
    expect(await statusText(page)).toBe('Signed out Firefox 133 on macOS.')
    expect(await activeIds(app, user.id)).toHaveLength(1)
    expectClean(a)
  }, 60_000)

  it('works without JavaScript: sign in, end a session through confirm and re-authentication, change the password, sign out', async () => {
    const test = await startAccountApp()
    const { user, devices } = await userOnDevices(test, [{ userAgent: USER_AGENTS.desktopChrome, javaScriptEnabled: false }, { userAgent: USER_AGENTS.macFirefox }])
    const a = devices[0]!
    test.clock.advance(test.config.reauthWindowMs + MINUTE)
    await a.page.goto(`${test.origin}/account`)
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: /^Sign out Firefox/ }).click())
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    await a.page.getByLabel('Password').fill(user.password)
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Confirm' }).click())
    expect(await statusText(a.page)).toBe('Signed out Firefox 133 on macOS.')

    await a.page.goto(`${test.origin}/account/password`)
    await a.page.getByLabel('Current password').fill(user.password)
    await a.page.getByLabel('New password').fill('another fine passphrase')
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Change password' }).click())
    expect(await statusText(a.page)).toContain('Your password has been changed.')
    await clickAndLoad(a.page, () => a.page.getByRole('button', { name: 'Sign out', exact: true }).click())
    expect(await statusText(a.page)).toBe('You have signed out.')
    expect(await activeIds(test, user.id)).toEqual([])
    expectClean(a)
  }, 90_000)
})
