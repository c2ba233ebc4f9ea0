import postgres from 'postgres'
import { readMigrationFiles } from 'drizzle-orm/migrator'

// Any constant works; every instance must use the same one so migrations run once.
const MIGRATION_LOCK_KEY = 7_261_001
// drizzle-kit's bookkeeping table, so a database migrated by drizzle's own migrator carries on here.
const SCHEMA = 'drizzle'
const TABLE = '__drizzle_migrations'
// Waiting for another instance's migrations is expected; waiting forever is not.
const LOCK_WAIT = '2min'

export interface MigrationOptions {
  url: string
  folder: string
  connectTimeoutS: number
}

/**
 * Applies pending migrations in ONE transaction that first takes a transaction-level advisory lock,
 * so several instances starting together (directly or through PgBouncer) migrate once: the others
 * wait for the lock, then find nothing to do. Drizzle's `migrate()` is not used because it reads the
 * applied migrations outside its transaction (three concurrent runs through PgBouncer crashed two),
 * and a session-level lock (`pg_advisory_lock`) is unusable behind a transaction-mode pooler: the
 * server session is shared between clients and the lock stays held. Nothing here is prepared, and
 * the commit releases the lock even if this process dies.
 */
export async function migratePostgres({ url, folder, connectTimeoutS }: MigrationOptions): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder: folder })
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {}, connect_timeout: connectTimeoutS })
  try {
    return await sql.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL lock_timeout = '${LOCK_WAIT}'`)
      await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`
      await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS "${SCHEMA}"`)
      await tx.unsafe(`CREATE TABLE IF NOT EXISTS "${SCHEMA}"."${TABLE}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`)
      const [last] = await tx.unsafe<{ created_at: string }[]>(`select created_at from "${SCHEMA}"."${TABLE}" order by created_at desc limit 1`)
      let applied = 0
      for (const migration of migrations) {
        if (last && Number(last.created_at) >= migration.folderMillis) continue
        for (const statement of migration.sql) if (statement.trim()) await tx.unsafe(statement)
        await tx.unsafe(`insert into "${SCHEMA}"."${TABLE}" (hash, created_at) values ($1, $2)`, [migration.hash, migration.folderMillis])
        applied += 1
      }
      return applied
    })
  } finally {
    await sql.end({ timeout: 5 })
  }
}
