import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseDurationMs } from '../src/duration.js'
import { BROWSER_NAMES, deviceLabel, OS_NAMES, TOOL_NAMES } from '../src/http/device.js'
import { ConfigError, loadConfig } from '../src/config.js'
import { buildTestApp, call, registerAndLogin } from './support/app.js'
import { spec } from './support/openapi.js'
import { isCanonicalPath, targetPath } from '../src/http/canonical-path.js'

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

describe('fuzzing every parameter of the HTTP surface (query and path)', async () => {
  const ADMIN_KEY = 'admin-key-fuzz-0123456789-0123456789-abcdef'
  const { app } = await buildTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY } })
  const { tokens } = await registerAndLogin(app)

  type Parameter = { name: string; in: string; $ref?: string }
  const resolve = (parameter: Parameter): Parameter =>
    parameter.$ref ? (parameter.$ref.slice(2).split('/').reduce<any>((node, part) => node[part], spec) as Parameter) : parameter
  // Every parameter openapi.yaml documents, so a new one is fuzzed as soon as it is documented.
  const targets = Object.entries(spec.paths as Record<string, Record<string, any>>).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'post', 'delete'].includes(method))
      .flatMap(([method, operation]) =>
        [...(item.parameters ?? []), ...(operation.parameters ?? [])]
          .map(resolve)
          .filter((parameter) => (method === 'get' && parameter.in === 'query') || parameter.in === 'path')
          .map((parameter) => ({ method: method.toUpperCase(), template, name: parameter.name, in: parameter.in })),
      ),
  )

  it('covers the parameters that reach SQL', () => {
    expect(targets).toEqual(
      expect.arrayContaining([
        { method: 'GET', template: '/me/security-events', name: 'limit', in: 'query' },
        { method: 'GET', template: '/me/security-events', name: 'cursor', in: 'query' },
        { method: 'GET', template: '/admin/users', name: 'email', in: 'query' },
        { method: 'GET', template: '/admin/users/{userId}/sessions', name: 'userId', in: 'path' },
      ]),
    )
  })

  const hex = (byte: number) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`
  const pad = (n: number, width: number) => String(n).padStart(width, '0')
  // Cursors that look like ours: base64url of "date|id" with out-of-range and impossible fields.
  // Mostly in range, so the odd field out (year 0000, 30 February, hour 24, id 0) is what gets tested.
  const field = (min: number, max: number) => fc.oneof({ weight: 4, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 99 }) })
  const cursorish = fc
    .tuple(
      fc.oneof(fc.constant(0), { weight: 3, arbitrary: fc.constantFrom(1, 1969, 1970, 2026, 9999) }, fc.integer({ min: 0, max: 9999 })),
      field(1, 12),
      field(1, 31),
      field(0, 23),
      field(0, 59),
      field(0, 59),
      fc.integer({ min: 0, max: 999 }),
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom('0', '1', '01', '42', '9007199254740993') }, fc.bigInt({ min: -1n, max: 10n ** 20n }).map(String), fc.string()),
    )
    .map(([y, mo, d, h, mi, s, ms, id]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z|${id}`)
  const cursor = cursorish.map((text) => Buffer.from(text).toString('base64url'))
  const value = fc.oneof(
    fc.uint8Array({ maxLength: 24 }).map((bytes) => [...bytes].map(hex).join('')), // any bytes, NUL and invalid UTF-8 included
    fc.string({ unit: 'binary' }).map((text) => [...Buffer.from(text)].map(hex).join('')),
    fc.string({ maxLength: 300 }).map((text) => Buffer.from(text).toString('base64url')),
    cursor,
    fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map((n) => encodeURIComponent(String(n))),
    fc.constantFrom('%00', '%2e%2e', '..', '%2F', '%5C', '%FF', '%ED%A0%80', '%C0%80', 'NaN', '-0', '1e309', '00000000-0000-4000-8000-00000000000%00'),
  )

  // In-process requests resolve "." and ".." segments before routing (over a socket they are 404: see canonical-path);
  // other non-canonical values ("%2F", "%2e.") stay in and must be the generic 404.
  const dotSegment = /^(?:\.|%2e){1,2}$/i

  it.each(targets.map((target) => [`${target.method} ${target.template} ${target.in} ${target.name}`, target] as const))('%s: never a 5xx', async (_name, target) => {
    await fc.assert(
      fc.asyncProperty(target.in === 'path' ? value.filter((raw) => !dotSegment.test(raw)) : target.name === 'cursor' ? fc.oneof(cursor, value) : value, async (raw) => {
        let path = target.template.replace(/\{[^}]+\}/g, (placeholder) => (placeholder === `{${target.name}}` ? raw || '%00' : '00000000-0000-4000-8000-000000000000'))
        if (target.in === 'query') path += `?${target.name}=${raw}`
        const bearer = target.template.startsWith('/admin/') ? ADMIN_KEY : tokens.accessToken
        const res = await call(app, target.method, path, { bearer, ...(target.method === 'GET' ? {} : { json: {} }) })
        expect(res.status).toBeLessThan(500)
        if (res.status >= 400) expect(res.body).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }))
        if (!isCanonicalPath(targetPath(path))) expect(res.body.error).toBe('not_found')
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 100) },
    )
  })
})
