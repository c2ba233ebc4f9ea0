import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import { MIGRATIONS_DIR } from '../../src/stores/db.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { freePort, runService, waitForListening } from '../support/process.js'
import { STRONG_PASSWORD, TEST_PRIVATE_KEY, isolatedDatabase, testRedisPrefix } from '../support/app.js'

const dataDir = mkdtempSync(join(tmpdir(), 'sessiond-shutdown-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('SIGTERM', () => {
  it('stops accepting, finishes the requests in flight, closes Postgres and Redis, exits 0', async () => {
    const database = await isolatedDatabase()
    const port = await freePort()
    const service = runService({
      PORT: String(port),
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: testRedisPrefix(),
      JWT_PRIVATE_KEY: TEST_PRIVATE_KEY,
      DATA_DIR: dataDir,
      // One slow hash at a time makes logins queue up: plenty of requests in flight when SIGTERM lands.
      PASSWORD_HASH_CONCURRENCY: '1',
      ARGON2_TIME_COST: '8',
      // Each login below comes from its own address, so the per-account-and-IP budget (which reserves
      // a point per login in flight) is not what this test measures.
      TRUST_PROXY: 'loopback',
    })
    await waitForListening(service)
    const base = `http://127.0.0.1:${port}`
    const post = (path: string, body: unknown, from = '203.0.113.1') =>
      fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify(body) })
    const email = `drain-${Date.now()}@example.test`
    expect((await post('/register', { email, password: STRONG_PASSWORD })).status).toBe(201)

    const inFlight = Array.from({ length: 12 }, (_, i) => post('/login', { email, password: STRONG_PASSWORD }, `203.0.113.${i + 10}`).then((res) => res.status))
    // Long enough for every connection to be accepted (even on a loaded machine), far shorter than the queue.
    await new Promise((resolve) => setTimeout(resolve, 400))
    service.child.kill('SIGTERM')
    const statuses = await Promise.all(inFlight)
    expect(statuses).toEqual(Array(12).fill(200))
    expect(await service.exited).toBe(0)
    expect(service.output()).toContain('draining in-flight requests')
    expect(service.output()).toContain('"msg":"stopped"')
    // And it no longer accepts connections.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow()
  }, 60_000)
})

describe('start-up', () => {
  it('several instances migrating one fresh database at once apply each migration once (advisory lock)', async () => {
    const database = await isolatedDatabase({ migrate: false })
    await Promise.all([database.runMigrations(), database.runMigrations(), database.runMigrations()])
    const migrations = readdirSync(MIGRATIONS_DIR).filter((file) => file.endsWith('.sql'))
    const rows = await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)
    expect((rows as unknown as { n: number }[])[0]!.n).toBe(migrations.length)
  })
})
