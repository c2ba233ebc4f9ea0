import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import type { Redis } from 'ioredis'
import { Writable } from 'node:stream'
import { inject } from 'vitest'
import { createApp } from '../../src/app.js'
import { createServices } from '../../src/services/index.js'
import { openGeoLocator } from '../../src/http/geo.js'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { generatePrivateKeyPem, loadKeySet, type KeySet } from '../../src/services/keys.js'
import { openPostgres, type Database } from '../../src/stores/db.js'
import type { Denylist } from '../../src/stores/denylist.js'
import { createMemoryDenylist } from '../../src/stores/denylist-memory.js'
import { createRedisDenylist } from '../../src/stores/denylist-redis.js'
import { openRedis, waitForRedis, type RedisClient } from '../../src/stores/redis.js'
import { createFakeClock } from './clock.js'
import type { Clock } from '../../src/clock.js'
import { onClose } from './resources.js'
import { responseProblems } from './openapi.js'
import type { CookieJar } from './cookie-jar.js'

export const INTROSPECTION_CLIENT = { id: 'orders-api', secret: 'test-introspection-secret-0123456789abcdef' }
export const TEST_PRIVATE_KEY = generatePrivateKeyPem()

let sharedDatabase: Database | null = null
let sharedKeys: Promise<KeySet> | null = null

/** This run's migrated Postgres database, one pool per test file. */
export function testDatabase(): Database {
  sharedDatabase ??= onClose(openPostgres({ url: inject('databaseUrl'), timeoutMs: 2000 }), (db) => db.close())
  return sharedDatabase
}

/** A database of its own on the real Postgres, for tests that must not see (or touch) other files' rows. */
export async function isolatedDatabase(options: { migrate?: boolean } = {}): Promise<Database & { url: string }> {
  const name = `sessiond_iso_${process.pid}_${randomUUID().slice(0, 8)}`
  const admin = postgres(inject('adminDatabaseUrl'), { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE "${name}"`)
  onClose(admin, async (client) => {
    await client.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await client.end()
  })
  const url = new URL(inject('adminDatabaseUrl'))
  url.pathname = `/${name}`
  const database = onClose(openPostgres({ url: url.toString(), timeoutMs: 2000 }), (db) => db.close())
  if (options.migrate !== false) await database.runMigrations()
  return { ...database, url: url.toString() }
}

let sharedRedisClient: Promise<Redis> | null = null
function sharedRedis(): Promise<Redis> {
  sharedRedisClient ??= (async () => {
    // The rate limiters' shared store: a roomy command timeout, so a loaded test machine does not push
    // bursts onto the per-instance insurance limiter (which only holds per instance) and make the
    // cross-instance budget tests flaky. Tests of a slow or paused Redis use their own clients.
    const redis = onClose(openRedis(inject('redisUrl'), 2000, createLogger('silent')), (client) => client.disconnect())
    await waitForRedis(redis, 2000)
    return redis
  })()
  return sharedRedisClient
}

/** Keys shared by every app of a file, so two apps are two instances of one deployment. */
export function testKeys(): Promise<KeySet> {
  sharedKeys ??= loadKeySet(TEST_PRIVATE_KEY)
  return sharedKeys
}

export function testRedisPrefix(): string {
  return `sessiond-test:${inject('runId')}:`
}

/** A Redis denylist on the given server (default: the machine's), registered for closing. */
export async function redisDenylist(url: string = inject('redisUrl'), prefix = testRedisPrefix()): Promise<Denylist> {
  const redis = openRedis(url, 300, createLogger('silent'))
  await waitForRedis(redis, 2000)
  return onClose(createRedisDenylist(redis, prefix), (list) => list.close())
}

export interface TestAppOptions {
  /** Environment overrides, parsed by the production config loader. */
  env?: Record<string, string>
  /** Defaults to a fake clock that only moves when told to; pass systemClock for real time. */
  clock?: Clock
  denylist?: Denylist
  /** The rate limiters' store; null keeps them in memory. */
  redis?: RedisClient | null
  database?: Database
  keys?: KeySet
}

/** The real app on real Postgres + Redis with a fake clock and captured logs. */
export async function buildTestApp(options: TestAppOptions = {}) {
  const config = loadConfig({
    // Rate-limit counters per app (the denylist below is shared): tests do not spend each other's budgets.
    REDIS_KEY_PREFIX: `${testRedisPrefix()}app-${randomUUID()}:`,
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    JWT_PRIVATE_KEY: TEST_PRIVATE_KEY,
    INTROSPECTION_CLIENTS: `${INTROSPECTION_CLIENT.id}:${INTROSPECTION_CLIENT.secret}`,
    LOG_LEVEL: 'debug',
    ...options.env,
  })
  const clock = options.clock ?? createFakeClock()
  const logs: string[] = []
  const logger = createLogger(
    config.logLevel,
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk))
        done()
      },
    }),
  )
  const database = options.database ?? testDatabase()
  const denylist = options.denylist ?? (await redisDenylist())
  const keys = options.keys ?? (await testKeys())
  const redis = options.redis !== undefined ? options.redis : await sharedRedis()
  const locate = await openGeoLocator(config.geoipDb)
  // Built the way main.ts builds them: stores → services → app.
  const services = createServices({ config, database, denylist, redis, clock, logger, keys })
  const app = createApp({ config, services, logger, locate })
  await services.revocation.start()
  onClose(services.revocation, (revocation) => revocation.stop())
  // `services.db`: the ledger for tests' own assertions (the app's services hold no db); same as database.db.
  return { app, services: { ...services, db: database.db }, config, clock, logs, database, denylist, keys, redis }
}

export type TestApp = Awaited<ReturnType<typeof buildTestApp>>

export interface CallResult {
  status: number
  headers: Headers
  body: any
}

/**
 * One HTTP call through the real app; JSON bodies are sent as application/json. With `jar`, the
 * jar's cookies are sent (after any `cookie` header given) and the response's Set-Cookie lines
 * applied to it, as a browser would.
 */
export async function call(
  app: TestApp['app'],
  method: string,
  path: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string>; bearer?: string; jar?: CookieJar } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers }
  let body = options.body
  if (options.json !== undefined) {
    body = JSON.stringify(options.json)
    headers['content-type'] ??= 'application/json'
  }
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`
  const jarCookies = options.jar?.header()
  if (jarCookies) headers.cookie = headers.cookie ? `${headers.cookie}; ${jarCookies}` : jarCookies
  const response = await app.request(path, { method, headers, body })
  options.jar?.store(response.headers)
  return checkedAgainstSpec(method, path, response)
}

/** Parses a response and fails the test when it does not match openapi.yaml (the source of truth). */
async function checkedAgainstSpec(method: string, path: string, response: Response): Promise<CallResult> {
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    /* not JSON: keep the text */
  }
  const problems = responseProblems(method, path, response.status, response.headers.get('content-type'), parsed)
  if (problems.length > 0) throw new Error(`response does not match openapi.yaml: ${problems.join('; ')}`)
  return { status: response.status, headers: response.headers, body: parsed }
}

export function uniqueEmail(): string {
  return `user-${randomUUID()}@example.test`
}

export const STRONG_PASSWORD = 'correct horse battery staple'

/** Registers a fresh user and logs in once (with `jar`, the login's cookies land in it). */
export async function registerAndLogin(app: TestApp['app'], options: { headers?: Record<string, string>; jar?: CookieJar } = {}) {
  const email = uniqueEmail()
  const password = STRONG_PASSWORD
  const registered = await call(app, 'POST', '/register', { json: { email, password } })
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${JSON.stringify(registered.body)}`)
  const login = await call(app, 'POST', '/login', { json: { email, password }, headers: options.headers, jar: options.jar })
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`)
  return { email, password, user: registered.body.user, tokens: login.body }
}

export function basicAuth(id = INTROSPECTION_CLIENT.id, secret = INTROSPECTION_CLIENT.secret): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
}

/** Asks /introspect about a token, as a backend service would. */
export async function introspect(app: TestApp['app'], token: string): Promise<CallResult> {
  return call(app, 'POST', '/introspect', {
    body: new URLSearchParams({ token }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth() },
  })
}

export { createMemoryDenylist }

/** Serves the app on a real loopback socket (so client IPs and X-Forwarded-For are real). */
export async function listen(app: TestApp['app']): Promise<string> {
  const { serve } = await import('@hono/node-server')
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}`))
    onClose(server, (s) => new Promise((done) => s.close(() => done(undefined))))
  })
}

/** One HTTP call over the network to a server started with `listen`. */
export async function fetchJson(base: string, method: string, path: string, options: { json?: unknown; headers?: Record<string, string> } = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.json !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(base + path, { method, headers, body: options.json === undefined ? undefined : JSON.stringify(options.json) })
  return checkedAgainstSpec(method, path, response)
}
