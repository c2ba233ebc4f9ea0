import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseDurationMs } from '../src/duration.js'
import { BROWSER_NAMES, deviceLabel, OS_NAMES, TOOL_NAMES } from '../src/http/device.js'
import { ConfigError, loadConfig } from '../src/config.js'
import { buildTestApp, call } from './support/app.js'

describe('properties', () => {
  it('durations: every well-formed value parses to the right milliseconds; anything else is null', () => {
    const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[])), (n, unit) => {
        expect(parseDurationMs(`${n}${unit}`)).toBe(n * units[unit])
      }),
    )
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseDurationMs(text)
        if (!/^\s*\d{1,9}(ms|s|m|h|d)\s*$/.test(text)) expect(parsed).toBeNull()
      }),
    )
  })

  it('device labels never throw, are never empty, and stay short', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant(null)), (ua) => {
        const label = deviceLabel(ua)
        expect(label.length).toBeGreaterThan(0)
        expect(label.length).toBeLessThanOrEqual(80)
        expect(label).not.toMatch(/[\u0000-\u001f]/)
      }),
    )
  })

  it('device labels are only recognised names and version digits, whatever the User-Agent says', () => {
    const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')
    const names = (list: Iterable<string>) => [...list].map(escape).join('|')
    const strict = new RegExp(
      `^(?:Unknown device|(?:Unknown browser|(?:${names(BROWSER_NAMES)})(?: \\d{1,6})?) on (?:${names(OS_NAMES)})|(?:${names(BROWSER_NAMES)})(?: \\d{1,6})?|(?:${names(TOOL_NAMES)}) \\d{1,6}(?:\\.\\d{1,6})?)$`,
    )
    // Real-looking UAs with attacker text spliced in, besides arbitrary strings.
    const fragment = fc.oneof(
      fc.string(),
      fc.constantFrom('Mozilla/5.0 ', '(Windows NT 10.0; Win64; x64) ', '(Macintosh; Intel Mac OS X 10_15_7) ', 'AppleWebKit/537.36 ', 'Chrome/131.0.0.0 ', 'Safari/537.36 ', 'Firefox/133.0', 'curl/8.5.0', '<img src=x onerror=alert(1)>/1 (x', 'https://evil.example/restore/1 '),
    )
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fragment, { maxLength: 6 }).map((parts) => parts.join(''))), (ua) => {
        expect(deviceLabel(ua)).toMatch(strict)
      }),
      { numRuns: 500 },
    )
  })

  it('a bad setting is always one ConfigError naming the variable, never another exception', () => {
    const variables = ['PORT', 'ACCESS_TOKEN_TTL', 'SESSION_IDLE_TIMEOUT', 'MAX_SESSIONS_PER_USER', 'TRUST_PROXY', 'LOG_LEVEL', 'PASSWORD_MIN_LENGTH', 'REDIS_URL']
    fc.assert(
      fc.property(fc.constantFrom(...variables), fc.string({ minLength: 1 }), (name, value) => {
        try {
          loadConfig({ [name]: value })
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError)
          expect((error as ConfigError).variable).toBe(name)
          expect((error as Error).message).not.toContain('\n')
        }
      }),
    )
  })
})

describe('fuzzing the HTTP surface', async () => {
  const { app } = await buildTestApp()
  const anyJson = fc.jsonValue({ maxDepth: 3 })
  const loginish = fc.record({ email: fc.oneof(fc.emailAddress(), fc.string(), anyJson), password: fc.oneof(fc.string(), anyJson) }, { requiredKeys: [] })

  it.each(['/login', '/register', '/refresh', '/logout', '/introspect'])('%s: arbitrary JSON never yields a 5xx, and every error is {error, message}', async (path) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, loginish), async (body) => {
        const res = await call(app, 'POST', path, { json: body })
        expect(res.status).toBeLessThan(500)
        if (res.status >= 400) expect(res.body).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }))
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 40) },
    )
  })
})
