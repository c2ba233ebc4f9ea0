import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chromium } from 'playwright-core'
import { buildTestApp, listen } from '../support/app.js'
import { ROOT } from '../support/process.js'
import { spec } from '../support/openapi.js'

const { app } = await buildTestApp()

describe('GET /openapi.yaml and /docs', () => {
  it('serves the spec file itself', async () => {
    const res = await app.request('/openapi.yaml')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/yaml/)
    expect(await res.text()).toContain('openapi: 3.1')
  })

  it('serves a self-contained reference page: no script or stylesheet from another origin', async () => {
    const res = await app.request('/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
    const html = await res.text()
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/i)
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/i)
  })

  it('renders in headless Chromium with no network, listing the operations', async () => {
    const base = await listen(app)
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
    try {
      const page = await browser.newPage()
      const external: string[] = []
      const scriptErrors: string[] = []
      page.on('pageerror', (error) => scriptErrors.push(error.message))
      // Anything but our own origin is refused, as on a machine with no internet.
      await page.route('**/*', (route) => {
        if (route.request().url().startsWith(base)) return route.continue()
        external.push(route.request().url())
        return route.abort()
      })
      await page.goto(`${base}/docs`, { waitUntil: 'load' })
      await page.getByText(`sessiond (${spec.info.version})`).first().waitFor({ timeout: 15_000 })
      const text = await page.locator('body').innerText()
      for (const tag of ['auth', 'me', 'introspection', 'admin']) expect(text).toContain(tag)
      mkdirSync(join(ROOT, 'test-results'), { recursive: true })
      // Kept for humans to look at; whether it rendered is judged above and below, not by the file.
      await page.screenshot({ path: join(ROOT, 'test-results', 'docs.png'), fullPage: false })
      // The inlined reference renderer ran without throwing (an error would leave a half-drawn page).
      expect(scriptErrors).toEqual([])
      expect(external.filter((url) => !url.startsWith('data:'))).toEqual([])
    } finally {
      await browser.close()
    }
  }, 60_000)
})
