import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import { schema } from './schema.js'
import { watchedSockets, withDeadlines } from './postgres-deadline.js'
import { migratePostgres } from './migrate-postgres.js'

/** The same queries run on postgres.js and PGlite through this type. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>
export type Tx = PgTransaction<PgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>
/** Stores take either: each transaction is visible where it opens. */
export type Executor = Db | Tx

export interface Database {
  db: Db
  kind: 'postgres' | 'pglite'
  /** Where the ledger lives, without credentials, for the start-up log line. */
  location: string
  runMigrations(): Promise<void>
  ping(): Promise<void>
  close(): Promise<void>
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url))

export interface PostgresOptions {
  url: string
  timeoutMs: number
  max?: number
  /** False behind a transaction-mode pooler: prepared statements there hang without an error. */
  prepare?: boolean
  /** Where migrations run (a direct connection past the pooler); defaults to `url`. */
  migrationUrl?: string | null
}

// TCP keepalive on every pool connection: an idle connection to a peer that is gone is noticed
// (and replaced) within about this many seconds plus ten one-second probes.
const KEEPALIVE_SECONDS = 10

/**
 * Opens real Postgres through postgres.js, failing fast (never hanging) when it is down: every
 * ledger call (the wait for a connection, each query, each transaction as a whole) has a client-side
 * deadline of `timeoutMs`, past which it is a 503 and a connection that stopped answering is
 * destroyed (see postgres-deadline.ts). statement_timeout stays as the server-side backstop; a
 * silent network never delivers it.
 */
export function openPostgres({ url, timeoutMs, max = 10, prepare = true, migrationUrl = null }: PostgresOptions): Database {
  const options: postgres.Options<Record<string, postgres.PostgresType>> & { socket: ReturnType<typeof watchedSockets> } = {
    max,
    connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
    idle_timeout: 30,
    keep_alive: KEEPALIVE_SECONDS,
    socket: watchedSockets(timeoutMs),
    onnotice: () => {},
    prepare,
    // PgBouncer refuses startup parameters it does not know (statement_timeout among them), so
    // behind a pooler the server-side backstop is the pooler's query_timeout; the client-side
    // deadlines below hold either way.
    connection: prepare ? { statement_timeout: Math.max(timeoutMs * 2, 5000), application_name: 'sessiond' } : { application_name: 'sessiond' },
  }
  const client = withDeadlines(postgres(url, options), timeoutMs)
  const db = drizzlePostgres(client, { schema })
  const parsed = new URL(url)
  return {
    db,
    kind: 'postgres',
    location: `postgres://${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
    async runMigrations() {
      await migratePostgres({ url: migrationUrl ?? url, folder: MIGRATIONS_DIR, connectTimeoutS: Math.max(1, Math.ceil(timeoutMs / 1000)) })
    },
    async ping() {
      await client`select 1`
    },
    async close() {
      await client.end({ timeout: 5 })
    },
  }
}

/** Opens the embedded PGlite ledger under `dataDir` (or in memory), for `npm start` on a laptop. */
export async function openPglite(dataDir: string | null): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const client = dataDir ? new PGlite(dataDir) : new PGlite()
  await client.waitReady
  const db = drizzlePglite(client, { schema })
  return {
    db,
    kind: 'pglite',
    location: dataDir ?? 'memory',
    async runMigrations() {
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS_DIR })
    },
    async ping() {
      await db.execute(sql`select 1`)
    },
    async close() {
      await client.close()
    },
  }
}
