import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { CONSOLE_COOKIE } from '../../src/pages/console-session.js'
import { CLI_ACTOR } from '../../src/services/audit.js'
import { isolatedDatabase } from '../support/app.js'
import { serveOnLoopback, USER_AGENTS } from '../support/browser.js'
import { accountDevice, checkPage, clickAndLoad, IPS, registerUser, signIn, startAccountApp, statusText, userOnDevices, type AccountApp, type AccountDevice } from '../support/account-pages.js'

/**
 * The operators' console in Debian's Chromium, on the real app (Postgres, Redis, fake clock), in a
 * ledger of its own (the overview counts every session and event in it). Every page state visited is
 * checked for console errors, CSP violations and axe findings, and screenshotted at desktop and
 * 375 px (test-artifacts/screenshots/console-*.png).
 */
const app = await startAccountApp({ database: await isolatedDatabase() })
const MINUTE = 60_000
const HOUR = 60 * MINUTE

async function anAdmin(test: AccountApp) {
  const admin = await registerUser(test.app)
  await test.services.operatorActions.grantAdmin(admin.id, { actor: CLI_ACTOR })
  return admin
}

const activeIds = async (userId: string) => (await app.services.sessions.listActive(userId)).map((session) => session.id)

function expectClean(device: AccountDevice) {
  expect(device.cspViolations).toEqual([])
  expect(device.problems).toEqual([])
  expect(device.dialogs).toEqual([])
}

describe('the console in Chromium', () => {
  it('an admin signs in, searches, opens a user with three sessions, signs one out with a reason the user then sees, disables the user, and finds both in the audit log', async () => {
    // A day of traffic for the overview: steady sign-ins, then a burst of failed ones two hours ago.
    const crowd = await registerUser(app.app)
    app.clock.advance(-20 * HOUR)
    for (let hour = 0; hour < 20; hour += 1) {
      for (let i = 0; i < (hour % 5) + 1; i += 1) await app.services.sessions.login(crowd.email, crowd.password, { ip: IPS.berlin, userAgent: USER_AGENTS.desktopChrome, device: 'Chrome 131 on Linux', location: null })
      if (hour === 17) {
        for (let i = 0; i < 12; i += 1) await app.services.sessions.login(crowd.email, 'a wrong password guess', { ip: IPS.unknown, userAgent: 'curl/8', device: 'curl 8', location: null }).catch(() => {})
      }
      app.clock.advance(HOUR)
    }

    const admin = await anAdmin(app)
    // The user: two laptops with the same browser (one label) and a phone, each signed in on /account.
    const { user, devices } = await userOnDevices(app, [
      { userAgent: USER_AGENTS.desktopChrome, ip: IPS.berlin },
      { userAgent: USER_AGENTS.desktopChrome, ip: IPS.sydney },
      { userAgent: USER_AGENTS.iphoneSafari, ip: IPS.unknown, viewport: { width: 375, height: 812 } },
    ])
    const [laptop, otherLaptop] = devices as [AccountDevice, AccountDevice, AccountDevice]
    const sydney = (await app.services.sessions.listActive(user.id)).find((session) => session.ip === IPS.sydney)!

    const operator = await accountDevice({ userAgent: USER_AGENTS.macFirefox, ip: IPS.berlin })
    const { page } = operator
    await page.goto(`${app.origin}/console`)
    expect(page.url()).toBe(`${app.origin}/console/sign-in`)
    await checkPage(operator, 'sign-in', 'console')
    await signIn(operator, app.origin, admin, '/console')
    expect(page.url(), `still on the sign-in page: ${await statusText(page)}`).toBe(`${app.origin}/console`)
    expect((await operator.context.cookies()).map((cookie) => cookie.name)).toContain(CONSOLE_COOKIE)
    expect(await page.getByRole('img', { name: /^Failed sign-ins per hour, last 24 hours: 12 in all, at most 12/ }).count()).toBe(1)
    expect(await page.getByRole('img', { name: /^Sign-ins per hour/ }).count()).toBe(1)
    expect(await page.locator('.big-number strong').innerText()).toMatch(/^\d+$/)
    await checkPage(operator, 'overview', 'console')

    // Search users by the start of the email, in capitals.
    await clickAndLoad(page, () => page.getByRole('link', { name: 'Users' }).click())
    await page.getByLabel('Email starts with').fill(user.email.slice(0, 12).toUpperCase())
    await clickAndLoad(page, () => page.getByRole('button', { name: 'Search users' }).click())
    expect(await page.locator('#results-count').innerText()).toMatch(/^1 user whose email starts with/)
    await checkPage(operator, 'users', 'console')
    await clickAndLoad(page, () => page.getByRole('link', { name: user.email }).click())

    // Three sessions, two with the same label: the one from Sydney is the one signed out.
    const buttons = page.getByRole('button', { name: /^Sign out Chrome 131 on Linux/ })
    expect(await buttons.count()).toBe(2)
    expect(await page.getByRole('button', { name: /^Sign out Safari on iOS/ }).count()).toBe(1)
    await checkPage(operator, 'user', 'console')
    const row = page.locator('.session', { hasText: IPS.sydney })
    await clickAndLoad(page, () => row.getByRole('button', { name: /^Sign out Chrome 131 on Linux/ }).click())
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign out Chrome 131 on Linux?')
    expect(await page.locator('.summary').innerText()).toContain(IPS.sydney)
    await page.getByLabel('Reason').fill('Your laptop was reported stolen')
    await checkPage(operator, 'confirm', 'console')
    await clickAndLoad(page, () => page.getByRole('button', { name: 'Confirm' }).click())
    expect(await statusText(page)).toBe(`Signed out Chrome 131 on Linux of ${user.email}.`)
    expect(await activeIds(user.id)).toHaveLength(2)
    expect(await activeIds(user.id)).not.toContain(sydney.id)

    // The user sees why on their own account page; the signed-out laptop lands on sign-in.
    await laptop.page.goto(`${app.origin}/account`)
    expect(await laptop.page.locator('.session-ended').first().innerText()).toContain('signed out by an administrator: Your laptop was reported stolen')
    await otherLaptop.page.goto(`${app.origin}/account`)
    expect(await otherLaptop.page.getByRole('button', { name: 'Sign in' }).count()).toBe(1)

    // Disable the user: confirm, then every remaining session ends.
    await page.goto(`${app.origin}/console/users/${user.id}`)
    await clickAndLoad(page, () => page.getByRole('button', { name: 'Disable account' }).click())
    await page.getByLabel('Reason').fill('Chargeback fraud')
    await clickAndLoad(page, () => page.getByRole('button', { name: 'Confirm' }).click())
    expect(await statusText(page)).toContain(`Disabled ${user.email}`)
    expect(await page.locator('.user-head').innerText()).toContain('Disabled')
    expect(await page.getByRole('button', { name: 'Enable account' }).count()).toBe(1)
    expect(await activeIds(user.id)).toHaveLength(0)

    // The audit log: both changes, by this admin, with reasons; filtered to this user.
    await clickAndLoad(page, () => page.getByRole('link', { name: 'Audit log for this user' }).click())
    const entries = page.locator('tbody tr')
    expect(await entries.count()).toBe(2)
    expect(await entries.nth(0).innerText()).toMatch(new RegExp(`${admin.email.replace(/[.]/g, '\\.')}\\s+Disabled an account[\\s\\S]*Chargeback fraud[\\s\\S]*${IPS.berlin.replace(/\./g, '\\.')}`))
    expect(await entries.nth(1).innerText()).toContain('Signed out a session')
    expect(await entries.nth(1).innerText()).toContain(sydney.id)
    await checkPage(operator, 'audit', 'console')
    expectClean(operator)
  }, 180_000)

  it('an account without the admin role gets no console, and its account sessions give none either', async () => {
    const user = await registerUser(app.app)
    const device = await accountDevice({ userAgent: USER_AGENTS.desktopChrome })
    await signIn(device, app.origin, user) // signed in on /account
    await device.page.goto(`${app.origin}/console`)
    expect(device.page.url()).toBe(`${app.origin}/console/sign-in`)
    await signIn(device, app.origin, user, '/console/sign-in')
    expect(device.page.url()).toBe(`${app.origin}/console/sign-in`)
    expect(await statusText(device.page)).toBe('The email or password is incorrect, or the account is not an administrator.')
    expect((await device.context.cookies()).map((cookie) => cookie.name)).not.toContain(CONSOLE_COOKIE)
    await checkPage(device, 'refused', 'console')
    expectClean(device)
  }, 60_000)

  it('pages on another port of localhost and on 127.0.0.1 change nothing through the admin’s browser', async () => {
    const admin = await anAdmin(app)
    const operator = await accountDevice({ userAgent: USER_AGENTS.desktopChrome })
    await signIn(operator, app.origin, admin, '/console')
    const { user } = await userOnDevices(app, [{ userAgent: USER_AGENTS.desktopChrome }])
    const [session] = await activeIds(user.id)
    const targets = [`/console/users/${user.id}/sessions/${session}/sign-out`, `/console/users/${user.id}/disable`, '/console/sign-out-everyone', '/console/sign-out']

    const evil = new Hono()
    evil.get('/form', (c) =>
      c.html(
        `<!doctype html><title>form</title><form id="f" method="post" action="${app.origin}${c.req.query('to')}"><input name="typed" value="sign out every user"><input name="reason" value="pwned"></form>` +
          `<script>document.getElementById('f').submit()</script>`,
      ),
    )
    const evilPort = await serveOnLoopback(evil)
    for (const attacker of [`http://localhost:${evilPort}`, `http://127.0.0.1:${evilPort}`]) {
      for (const to of targets) {
        const [refused] = await Promise.all([
          operator.page.waitForResponse((response) => response.url() === `${app.origin}${to}`),
          operator.page.goto(`${attacker}/form?to=${encodeURIComponent(to)}`),
        ])
        expect(refused.status(), `${attacker} → ${to}`).toBe(403)
      }
    }
    expect(await activeIds(user.id)).toEqual([session])
    expect((await app.services.accounts.findById(user.id))?.disabledAt).toBeNull()
    await operator.page.goto(`${app.origin}/console`)
    expect(operator.page.url()).toBe(`${app.origin}/console`)
  }, 90_000)
})
