import { expect } from 'vitest'
import { Redis } from 'ioredis'
import { systemClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { openDenylist } from '../../src/stores/open.js'
import type { RedisNetwork } from '../../src/stores/redis.js'
import { buildTestApp, call, introspect, registerAndLogin, type TestApp } from './app.js'
import { onClose } from './resources.js'

// Helpers shared by the Sentinel and Cluster failover tests.

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A short-lived client for one question to the node on `port` (never the clients under test). */
export async function askRedis<T>(port: number, question: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500, commandTimeout: 1000 })
  client.on('error', () => {})
  try {
    await client.connect()
    return await question(client)
  } finally {
    client.disconnect()
  }
}

/** One sessiond instance whose Redis is opened from `env` the way main.ts opens it. */
export async function instanceFrom(env: Record<string, string>, network?: RedisNetwork): Promise<TestApp> {
  const appEnv = { REDIS_URL: '', ...env }
  const { denylist, redis } = await openDenylist(loadConfig(appEnv), createLogger('silent'), systemClock, network)
  onClose(denylist, (list) => list.close())
  return buildTestApp({ denylist, redis, env: appEnv })
}

export interface LoggedIn {
  id: string
  accessToken: string
  refreshToken: string
}

/** Logs in `count` sessions of one fresh user. */
export async function loginSessions(app: TestApp['app'], count: number): Promise<LoggedIn[]> {
  const { email, password } = await registerAndLogin(app)
  const out: LoggedIn[] = []
  for (let i = 0; i < count; i += 1) {
    const login = await call(app, 'POST', '/login', { json: { email, password } })
    expect(login.status).toBe(200)
    out.push({ id: login.body.session.id, accessToken: login.body.accessToken, refreshToken: login.body.refreshToken })
  }
  return out
}

/**
 * Logs out each session in turn, alternating instances, `spacingMs` apart (a fault may be under
 * way): each answer is 204, or 503 + Retry-After, within 3 s; after each 204 the OTHER instance must
 * already see the session inactive. Returns each logout's status.
 */
export async function logoutsThrough(apps: TestApp[], list: LoggedIn[], spacingMs: number): Promise<number[]> {
  const statuses: number[] = []
  for (const [i, session] of list.entries()) {
    const by = apps[i % apps.length]!.app
    const other = apps[(i + 1) % apps.length]!.app
    const started = performance.now()
    const res = await call(by, 'POST', '/logout', { json: { refreshToken: session.refreshToken } })
    expect(performance.now() - started).toBeLessThan(3000)
    if (res.status === 503) expect(res.headers.get('retry-after')).toBeTruthy()
    else expect(res.status).toBe(204)
    if (res.status === 204) expect((await introspect(other, session.accessToken)).body).toEqual({ active: false })
    statuses.push(res.status)
    await pause(spacingMs)
  }
  return statuses
}

/** A 503'd logout is safe to retry (the ledger has it): retries until 204, for at most `attempts` × 200 ms. */
export async function retryUntilAcknowledged(app: TestApp['app'], refreshToken: string, attempts = 150): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const res = await call(app, 'POST', '/logout', { json: { refreshToken } })
    if (res.status === 204) return
    expect(res.status).toBe(503)
    await pause(200)
  }
  throw new Error('logout never acknowledged')
}
