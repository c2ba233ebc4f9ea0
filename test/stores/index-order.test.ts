import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { isolatedDatabase } from '../support/app.js'

/**
 * The per-user lists (security events, active and ended sessions) are read newest first. Their indexes
 * must match `ORDER BY … DESC` (which means NULLS FIRST) so Postgres walks the index instead of sorting
 * every row of a user with many sessions or events.
 */
describe('per-user list indexes serve their order', () => {
  it.each([
    ['security events', sql`SELECT * FROM security_events WHERE user_id = ${randomUUID()} ORDER BY at DESC, id DESC LIMIT 20`],
    ['active sessions', sql`SELECT * FROM sessions WHERE user_id = ${randomUUID()} AND ended_at IS NULL ORDER BY last_active_at DESC`],
    ['ended sessions', sql`SELECT * FROM sessions WHERE user_id = ${randomUUID()} AND ended_at > now() - interval '30 days' ORDER BY ended_at DESC LIMIT 100`],
  ])('%s: an index scan, no sort', async (_label, query) => {
    const database = await isolatedDatabase()
    const plan = await database.db.transaction(async (tx) => {
      // An empty table would make any plan cheap; forbid the alternatives instead of loading rows.
      await tx.execute(sql`SET LOCAL enable_seqscan = off`)
      await tx.execute(sql`SET LOCAL enable_bitmapscan = off`)
      const rows = (await tx.execute(sql`EXPLAIN ${query}`)) as unknown as Array<{ 'QUERY PLAN': string }>
      return rows.map((row) => row['QUERY PLAN']).join('\n')
    })
    expect(plan).toMatch(/Index Scan/)
    expect(plan).not.toMatch(/Sort/)
  })
})
