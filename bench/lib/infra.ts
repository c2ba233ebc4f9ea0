import { Redis } from 'ioredis'
import postgres from 'postgres'

export const POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
export const REDIS_URL = 'redis://127.0.0.1:6379'

export interface BenchDatabase {
  name: string
  url: string
  drop: () => Promise<void>
}

/** A brand-new database, so the ledger starts empty and no other run's rows skew the numbers. */
export async function createDatabase(name: string): Promise<BenchDatabase> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name: ${name}`)
  await withAdmin((sql) => sql.unsafe(`CREATE DATABASE "${name}"`))
  return {
    name,
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    // FORCE: a killed sessiond may leave connections behind for a moment.
    drop: () => withAdmin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  }
}

async function withAdmin<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 })
  try {
    return await work(sql)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** Deletes every key under the bench's own prefix (SCAN, never KEYS, so a shared Redis is not blocked). */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 })
  let deleted = 0
  try {
    await redis.connect()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) deleted += await redis.del(...keys)
    } while (cursor !== '0')
    return deleted
  } finally {
    redis.disconnect()
  }
}
