import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { PAGE_HEADERS } from '../../src/pages/headers.js'
import { accessibilityViolations, describeViolations, newDevice, screenshot, serveOnLoopback, USER_AGENTS } from '../support/browser.js'
import { demoPagesApp } from '../support/pages.js'

/**
 * The page skeleton in a real browser: our own CSP lets our stylesheet in, nothing breaks, axe finds
 * nothing, and it fits a 375 px phone. Plus a control showing the harness does catch CSP violations.
 */
const app = new Hono()
// The form's target echoes what the browser posted.
app.post('/demo/sign-in', async (c) => c.text(await c.req.text()))
app.route('/', demoPagesApp())
// Controls for the harness: a page axe must fault (an unlabelled field, no title), and a page that breaks its own CSP with an inline script and an inline style.
app.get('/control/inline', (c) =>
  c.html('<!doctype html><html lang="en"><title>control</title><style>body{color:red}</style><script>document.title="ran"</script><p>x</p></html>', 200, { ...PAGE_HEADERS }),
)
app.get('/control/unlabelled', (c) => c.html('<!doctype html><html><body><main><input type="text" name="q"></main></body></html>'))
const port = await serveOnLoopback(app)
const origin = `http://localhost:${port}`

describe('the demo sign-in page in Chromium', () => {
  it.each([
    ['desktop-light', { width: 1280, height: 800 }, 'light', USER_AGENTS.desktopChrome],
    ['phone-light', { width: 375, height: 812 }, 'light', USER_AGENTS.iphoneSafari],
    ['phone-dark', { width: 375, height: 812 }, 'dark', USER_AGENTS.iphoneSafari],
  ] as const)('%s: styled, clean, accessible and no wider than the screen', async (name, viewport, colorScheme, userAgent) => {
    const device = await newDevice({ viewport, colorScheme, userAgent, onlyOrigins: [origin] })
    const { page } = device
    const response = await page.goto(`${origin}/demo/sign-in?failed&email=ada%40example.com`)
    expect(response?.status()).toBe(200)

    // The stylesheet applied (style-src 'self' let it in).
    const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily)
    expect(font).toContain('system-ui')
    expect(await page.getByLabel('Email').inputValue()).toBe('ada@example.com')
    await page.getByLabel('Password').waitFor()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    expect(await page.getByRole('status').innerText()).toBe('The email or password is incorrect.')

    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(width).toBeLessThanOrEqual(viewport.width)

    await screenshot(page, `demo-sign-in-${name}`)

    // Keyboard: the first Tab reaches the skip link, then the form in order.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)
    expect(outline).toBe('solid')

    expect(describeViolations(await accessibilityViolations(page))).toEqual([])
    expect(device.problems).toEqual([])
    expect(device.cspViolations).toEqual([])
    expect(device.blocked).toEqual([])
  }, 60_000)

  it('works without JavaScript: the form posts natively', async () => {
    const { page, problems } = await newDevice({ onlyOrigins: [origin], javaScriptEnabled: false })
    await page.goto(`${origin}/demo/sign-in`)
    await page.getByLabel('Email').fill('ada@example.com')
    await page.getByLabel('Password').fill('correct horse battery staple')
    await Promise.all([page.waitForURL(`${origin}/demo/sign-in`), page.getByRole('button', { name: 'Sign in' }).click()])
    expect(await page.locator('body').innerText()).toBe('email=ada%40example.com&password=correct+horse+battery+staple')
    expect(problems).toEqual([])
  })
})

describe('the harness', () => {
  it('catches CSP violations (inline script and style refused by the page CSP)', async () => {
    const device = await newDevice()
    await device.page.goto(`${origin}/control/inline`)
    expect(await device.page.title()).toBe('control') // the inline script did not run
    await expect.poll(() => device.cspViolations.length).toBeGreaterThanOrEqual(2)
    expect(device.cspViolations.join('\n')).toMatch(/script-src/)
    expect(device.cspViolations.join('\n')).toMatch(/style-src/)
    expect(device.problems.some((p) => p.startsWith('csp:'))).toBe(true)
  })

  it('runs axe for real: an unlabelled field on an untitled page without lang is faulted', async () => {
    const { page } = await newDevice()
    await page.goto(`${origin}/control/unlabelled`)
    const ids = (await accessibilityViolations(page)).map((v) => v.id)
    expect(ids).toEqual(expect.arrayContaining(['label', 'document-title', 'html-has-lang']))
  })
})
