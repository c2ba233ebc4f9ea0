import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'
import { AxeBuilder } from '@axe-core/playwright'
import { ROOT } from './process.js'
import { onClose } from './resources.js'

/**
 * Real-browser tests: Debian's Chromium driven by playwright-core (which never downloads a browser;
 * scripts/ensure-services.sh installs /usr/bin/chromium). One browser per test file, one context per
 * "device" (its own cookie jar and User-Agent), and every problem a page reports is collected so a
 * test can insist there were none: console errors, uncaught exceptions, CSP violations, failed
 * subresources.
 */
export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'screenshots')

export const USER_AGENTS = {
  desktopChrome: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  macFirefox: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0',
  iphoneSafari: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
} as const

let shared: Promise<Browser> | null = null

/** Serves `app` on 127.0.0.1 (Chromium also reaches it as localhost), closed when the file ends; returns the port. */
export function serveOnLoopback(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<number> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port))
    onClose(server, (s) => new Promise((done) => s.close(() => done(undefined))))
  })
}

/** The file's headless Chromium, launched once and closed when the file ends. */
export function launchBrowser(): Promise<Browser> {
  shared ??= chromium
    .launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
    .then((browser) => onClose(browser, (b) => b.close()))
  return shared
}

export interface DeviceOptions {
  userAgent?: string
  /** Defaults to a desktop window; `{ width: 375, height: 812 }` for a phone. */
  viewport?: { width: number; height: number }
  colorScheme?: 'light' | 'dark'
  /** false: a browser with JavaScript off (pages must work without it). */
  javaScriptEnabled?: boolean
  /**
   * Origins the page may reach; any other request is aborted and recorded in `blocked`, as on a
   * machine with no internet. Unset: no routing at all (routing turns off the HTTP cache).
   */
  onlyOrigins?: string[]
}

export interface Device {
  context: BrowserContext
  page: Page
  /** Console errors, uncaught exceptions and failed subresources: a page with none is clean. */
  problems: string[]
  /** The CSP violations among them (Chromium reports each one to the console and as an audit issue). */
  cspViolations: string[]
  /** Requests refused because they went to an origin not in `onlyOrigins`. */
  blocked: string[]
}

const CSP_MESSAGE = /Content Security Policy/i
/** Chromium asks every origin for /favicon.ico on its own; a 404 there is not the page's doing. */
const isFavicon = (url: string) => /\/favicon\.ico(\?|$)/.test(url)

/** A new browser "device": a fresh context (empty cookie jar) with one page whose problems are collected. */
export async function newDevice(options: DeviceOptions = {}): Promise<Device> {
  const browser = await launchBrowser()
  const context = await browser.newContext({
    userAgent: options.userAgent ?? USER_AGENTS.desktopChrome,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: 'en-GB',
    colorScheme: options.colorScheme ?? 'light',
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  })
  onClose(context, (ctx) => ctx.close())
  const page = await context.newPage()
  const device: Device = { context, page, problems: [], cspViolations: [], blocked: [] }
  const cspSeen = new Set<string>()
  const csp = (text: string) => {
    if (cspSeen.has(text)) return
    cspSeen.add(text)
    device.cspViolations.push(text)
  }

  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return
    const text = message.text()
    if (CSP_MESSAGE.test(text)) {
      csp(text)
      device.problems.push(`csp: ${text}`)
    } else if (message.type() === 'error' && !isFavicon(message.location().url)) {
      device.problems.push(`console: ${text}`)
    }
  })
  page.on('pageerror', (error) => device.problems.push(`pageerror: ${error.message}`))
  page.on('requestfailed', (request) => {
    if (!device.blocked.includes(request.url())) device.problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText ?? ''}`)
  })
  page.on('response', (response) => {
    if (response.status() >= 400 && response.request().resourceType() !== 'document' && !isFavicon(response.url())) {
      device.problems.push(`http ${response.status()}: ${response.url()}`)
    }
  })

  // Audits report CSP violations whether or not a console line is printed (a page script cannot be
  // used: our own CSP forbids the inline listener that would be needed).
  const cdp = await context.newCDPSession(page)
  cdp.on('Audits.issueAdded', ({ issue }) => {
    if (issue.code !== 'ContentSecurityPolicyIssue') return
    const details = issue.details.contentSecurityPolicyIssueDetails
    if (!details) return
    csp(`${details.violatedDirective} (${details.contentSecurityPolicyViolationType}) ${details.blockedURL ?? ''}`.trim())
  })
  await cdp.send('Audits.enable')

  if (options.onlyOrigins) {
    const allowed = options.onlyOrigins
    await page.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith('data:') || allowed.some((origin) => url === origin || url.startsWith(`${origin}/`))) return route.continue()
      device.blocked.push(url)
      return route.abort('blockedbyclient')
    })
  }
  return device
}

type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>

/** Writes `test-artifacts/screenshots/<name>.png` (full page) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, '-')}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** axe-core's WCAG 2.x A/AA checks of the page as it is now. */
export async function accessibilityViolations(page: Page): Promise<AxeResults['violations']> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze()
  return results.violations
}

/** One line per axe violation, for readable assertion failures. */
export function describeViolations(violations: AxeResults['violations']): string[] {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}
