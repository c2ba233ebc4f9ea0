import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import type { Page } from 'playwright-core'
import { buildTestApp, call, STRONG_PASSWORD, uniqueEmail, type TestAppOptions } from './app.js'
import { createFakeClock } from './clock.js'
import { accessibilityViolations, describeViolations, newDevice, screenshot, serveOnLoopback, type Device, type DeviceOptions } from './browser.js'

/**
 * Helpers for driving the hosted account pages in Chromium: the real app on a loopback port (client
 * addresses from X-Forwarded-For, GeoIP from the test fixture), a registered user, a "device" per
 * browser context signed in through the page itself, and one check that every page state passes:
 * no console errors, no CSP violations, no axe findings, no wider than a 375 px phone, screenshots.
 */
export const CITY_DB = fileURLToPath(new URL('../fixtures/geo-city.mmdb', import.meta.url))

/** Addresses the GeoIP fixture knows, and one it does not. */
export const IPS = { berlin: '81.169.145.10', sydney: '203.0.113.7', unknown: '1.1.1.1' } as const

export async function startAccountApp(options: Omit<TestAppOptions, 'clock'> = {}) {
  const clock = createFakeClock()
  const test = await buildTestApp({ ...options, clock, env: { TRUST_PROXY: 'loopback', GEOIP_DB: CITY_DB, ...options.env } })
  const port = await serveOnLoopback(test.app)
  return { ...test, clock, port, origin: `http://localhost:${port}` }
}

export type AccountApp = Awaited<ReturnType<typeof startAccountApp>>

export async function registerUser(app: AccountApp['app'], email = uniqueEmail(), password = STRONG_PASSWORD) {
  const res = await call(app, 'POST', '/register', { json: { email, password } })
  if (res.status !== 201) throw new Error(`register failed: ${res.status}`)
  return { email, password, id: res.body.user.id as string }
}

export interface AccountDevice extends Device {
  /** Every request that was not a GET (form posts, fetches), in order. */
  unsafeRequests: string[]
  dialogs: string[]
}

/** A browser context (its own cookie jar) seen from `ip` with the given User-Agent. */
export async function accountDevice(options: DeviceOptions & { ip?: string } = {}): Promise<AccountDevice> {
  const device = await newDevice(options)
  if (options.ip) await device.context.setExtraHTTPHeaders({ 'x-forwarded-for': options.ip })
  const unsafeRequests: string[] = []
  const dialogs: string[] = []
  device.page.on('request', (request) => {
    if (request.method() !== 'GET' && request.method() !== 'HEAD') unsafeRequests.push(`${request.method()} ${new URL(request.url()).pathname}`)
  })
  device.page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  return { ...device, unsafeRequests, dialogs }
}

/** A new user, signed in on each of `devices` in turn (a browser context each, in that order). */
export async function userOnDevices(test: AccountApp, devices: Array<DeviceOptions & { ip?: string }>) {
  const user = await registerUser(test.app)
  const signedIn: AccountDevice[] = []
  for (const options of devices) {
    const device = await accountDevice(options)
    await signIn(device, test.origin, user)
    signedIn.push(device)
  }
  return { user, devices: signedIn }
}

/** Clicks and waits for the page it leads to (a form post's redirect included) to load. */
export async function clickAndLoad(page: Page, click: () => Promise<void>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), click()])
}

/** Signs in through the sign-in form at `path` (default /account) and waits for the page it returns to. */
export async function signIn(device: Device, origin: string, user: { email: string; password: string }, path = '/account'): Promise<void> {
  const { page } = device
  await page.goto(`${origin}${path}`)
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password', { exact: true }).fill(user.password)
  await clickAndLoad(page, () => page.getByRole('button', { name: 'Sign in' }).click())
}

/** The text of the page's live region(s). */
export async function statusText(page: Page): Promise<string> {
  return (await page.getByRole('status').allInnerTexts()).join(' ').trim()
}

/**
 * The checks every page state gets: clean (no console errors or CSP violations so far), no axe
 * findings, fits 375 px; screenshots at desktop and 375 px (`<prefix>-<name>-desktop.png`, `<prefix>-<name>-375.png`).
 */
export async function checkPage(device: Device, name: string, prefix = 'account'): Promise<void> {
  const { page } = device
  const desktop = page.viewportSize() ?? { width: 1280, height: 800 }
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('en')
  expect(describeViolations(await accessibilityViolations(page)), `${name}: axe`).toEqual([])
  await screenshot(page, `${prefix}-${name}-desktop`)
  await page.setViewportSize({ width: 375, height: 812 })
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name}: fits 375 px`).toBeLessThanOrEqual(375)
  expect(describeViolations(await accessibilityViolations(page)), `${name}: axe at 375 px`).toEqual([])
  await screenshot(page, `${prefix}-${name}-375`)
  await page.setViewportSize(desktop)
  expect(device.cspViolations, `${name}: CSP violations`).toEqual([])
  expect(device.problems, `${name}: console errors and failed loads`).toEqual([])
}
