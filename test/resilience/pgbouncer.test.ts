import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import postgres from 'postgres'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { MIGRATIONS_DIR, openPostgres } from '../../src/stores/db.js'
import { openDatabase } from '../../src/stores/open.js'
import { TEST_PRIVATE_KEY, buildTestApp, call, introspect, isolatedDatabase, registerAndLogin } from '../support/app.js'
import { startPgBouncer } from '../support/pgbouncer.js'
import { onClose } from '../support/resources.js'

// Debian's pgbouncer 1.18 in transaction mode, started by this file, in front of the test Postgres.
const bouncer = await startPgBouncer()
const MIGRATIONS = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')).entries.length as number

/** A database of its own, not yet migrated, and its URL through the pooler with prepare=false. */
async function freshDatabase() {
  const direct = await isolatedDatabase({ migrate: false })
  const pooled = new URL(bouncer.urlFor(direct.url))
  pooled.searchParams.set('prepare', 'false')
  const inspect = onClose(postgres(direct.url, { max: 1, onnotice: () => {} }), (sql) => sql.end())
  return { direct: direct.url, pooled: pooled.toString(), inspect }
}

const configFor = (env: Record<string, string>) => loadConfig({ JWT_PRIVATE_KEY: TEST_PRIVATE_KEY, DEPENDENCY_TIMEOUT: '2s', ...env })

describe('behind PgBouncer in transaction mode', () => {
  it('three instances starting at once migrate once, and leave no advisory lock held', async () => {
    const { pooled, inspect } = await freshDatabase()
    const instances = [1, 2, 3].map(() => onClose(openPostgres({ url: pooled, timeoutMs: 2000, prepare: false }), (db) => db.close()))
    const outcomes = await Promise.allSettled(instances.map((db) => db.runMigrations()))
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
    const applied = await inspect`select count(*)::int as n from drizzle.__drizzle_migrations`
    expect(applied[0]!.n).toBe(MIGRATIONS)
    // A session-level lock taken through the pooler would still be held by a pooled server session.
    const locks = await inspect`select count(*)::int as n from pg_locks where locktype = 'advisory'`
    expect(locks[0]!.n).toBe(0)
    // A later start (a deploy) finds nothing to do.
    await instances[0]!.runMigrations()
    expect((await inspect`select count(*)::int as n from drizzle.__drizzle_migrations`)[0]!.n).toBe(MIGRATIONS)
  }, 60_000)

  it('with ?prepare=false, three instances serve logins, reads, refreshes, logouts and introspections through the pooler (no startup parameter it refuses)', async () => {
    const { pooled } = await freshDatabase()
    // A roomy deadline: this checks that calls work through the pooler, not how fast a loaded machine is.
    const config = configFor({ DATABASE_URL: pooled, DEPENDENCY_TIMEOUT: '10s' })
    expect(config.databasePrepare).toBe(false)
    // Three instances, each with its own pool: the pooler hands their statements to whichever server
    // connection is free, which is where prepared statements (postgres.js's default) hang.
    const databases = await Promise.all([1, 2, 3].map(async () => onClose(await openDatabase(config), (db) => db.close())))
    await databases[0]!.runMigrations()
    const apps = await Promise.all(databases.map(async (database) => (await buildTestApp({ database, env: { DEPENDENCY_TIMEOUT: '10s' } })).app))
    const app = apps[0]!
    const { tokens } = await registerAndLogin(app)
    // Readiness probes (tagged postgres.js queries, prepared by default) and reads (drizzle's).
    const reads = await Promise.all(
      Array.from({ length: 18 }, (_, i) => (i % 2 ? call(apps[i % 3]!, 'GET', '/me/sessions', { bearer: tokens.accessToken }) : call(apps[i % 3]!, 'GET', '/readyz'))),
    )
    // What the pooler answers: every read, and the ledger's part of every readiness probe (the test
    // Redis behind /readyz has a short timeout of its own that a loaded machine may miss).
    const answers = reads.map((read, i) => (i % 2 ? read.status : (read.body.checks?.postgres ?? read.body.details?.checks?.postgres)))
    const wrong = reads.filter((_, i) => answers[i] !== (i % 2 ? 200 : 'ok')).map((read) => [read.status, read.body])
    expect(wrong).toEqual([])
    expect((await introspect(app, tokens.accessToken)).body.active).toBe(true)
    const refreshed = await call(app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } })
    expect(refreshed.status).toBe(200)
    expect((await call(app, 'POST', '/logout', { json: { refreshToken: refreshed.body.refreshToken } })).status).toBe(204)
    expect((await introspect(app, refreshed.body.accessToken)).body).toEqual({ active: false })
    expect((await call(app, 'GET', '/readyz')).body.checks.postgres).toBe('ok')
  }, 60_000)

  it('with Postgres down behind the pooler, calls answer 503 within our deadline, not PgBouncer’s 120 s queue wait', async () => {
    const healthy = await buildTestApp()
    const { email, password } = await registerAndLogin(healthy.app)
    const dead = new URL(bouncer.urlFor('postgres://postgres@127.0.0.1/x?prepare=false'))
    dead.pathname = `/${bouncer.deadDatabase}`
    const database = onClose(openPostgres({ url: dead.toString(), timeoutMs: 1000, prepare: false }), (db) => db.close())
    const { app } = await buildTestApp({ database })
    const started = performance.now()
    const [login, ready] = await Promise.all([call(app, 'POST', '/login', { json: { email, password } }), call(app, 'GET', '/readyz')])
    const elapsed = performance.now() - started
    expect(login.status).toBe(503)
    expect(login.body.error).toBe('unavailable')
    expect(login.headers.get('retry-after')).toBeTruthy()
    expect(ready.status).toBe(503)
    expect(ready.body.details.checks.postgres).toBe('down')
    expect(elapsed).toBeLessThan(4000)
  }, 30_000)

  it('MIGRATION_DATABASE_URL: migrations go over the direct connection, not DATABASE_URL', async () => {
    const { direct, inspect } = await freshDatabase()
    const dead = new URL(bouncer.urlFor(direct))
    dead.pathname = `/${bouncer.deadDatabase}`
    // DATABASE_URL leads to a server that is down: migrating over it could not succeed.
    const config = configFor({ DATABASE_URL: dead.toString(), DATABASE_PREPARE: 'false', MIGRATION_DATABASE_URL: direct })
    const database = onClose(await openDatabase(config), (db) => db.close())
    await database.runMigrations()
    expect((await inspect`select count(*)::int as n from drizzle.__drizzle_migrations`)[0]!.n).toBe(MIGRATIONS)
  }, 30_000)
})
