// The scale ledger, written in bulk by Postgres itself (INSERT … SELECT over generate_series), never
// through sessiond's API: a million logins would take days of argon2. Ids are derived from the row
// number (md5 → uuid) so the bench knows them without reading anything back.
import { createHash } from 'node:crypto'
import argon2 from 'argon2'
import postgres from 'postgres'
import type { Argon2Params } from './argon2.js'
import type { BenchSession } from './fixtures.js'

export const SCALE = {
  users: 100_000,
  sessions: 1_000_000,
  /** User 0 owns this many active sessions: the /me/sessions case. */
  bigUserSessions: 1_000,
  /** Ended within the access-token lifetime: all of them belong in the denylist. */
  recentlyRevoked: 100_000,
  /** Ended long before SESSION_RETENTION (30 d): what a retention pass deletes. */
  expired: 100_000,
} as const

export interface ScaleLedger {
  bigUser: { email: string; password: string }
  /** Sessions the denylist must answer "revoked" for (a sample, with their user, for offline tokens). */
  revokedSample: BenchSession[]
  seconds: number
}

/** SQL for the id of user number `expr`; `scaleUserId` is the same in JS. */
const userIdSql = (expr: string | number) => `md5('scale-user-' || ${expr})::uuid`

export function scaleUserId(i: number): string {
  const hex = createHash('md5').update(`scale-user-${i}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Seeds the scale ledger into `databaseUrl` (already migrated by sessiond) and ANALYZEs it. */
export async function seedScaleLedger(databaseUrl: string, argon2Params: Argon2Params, runId: string, sampleSize: number): Promise<ScaleLedger> {
  const started = performance.now()
  const password = `scale-${runId}-password`
  // One real argon2id hash shared by every user: logging in as any of them works.
  const passwordHash = await argon2.hash(password, { type: argon2.argon2id, ...argon2Params })
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const { users, sessions, bigUserSessions, recentlyRevoked, expired } = SCALE
  const revokedFrom = bigUserSessions
  const expiredFrom = revokedFrom + recentlyRevoked
  const activeFrom = expiredFrom + expired
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(
        `INSERT INTO users (id, email, password_hash, created_at, password_changed_at)
         SELECT ${userIdSql('i')}, 'scale-' || i || '-${runId}@bench.example', $1, now() - interval '60 days', now() - interval '60 days'
         FROM generate_series(0, ${users - 1}) AS i`,
        [passwordHash],
      )
      // Session n: the first ones belong to user 0; the rest go round the other users.
      await tx.unsafe(`
        INSERT INTO sessions (id, user_id, device, user_agent, ip, created_at, last_active_at, absolute_expires_at, auth_time, ended_at, end_reason)
        SELECT md5('scale-session-' || n)::uuid,
               CASE WHEN n < ${bigUserSessions} THEN ${userIdSql(0)} ELSE ${userIdSql(`(1 + n % ${users - 1})`)} END,
               'Firefox 133 on Linux', 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', '198.18.' || (n % 250) || '.' || (n % 200),
               created, active, created + interval '30 days', created,
               CASE WHEN n >= ${revokedFrom} AND n < ${expiredFrom} THEN now() - (n % 600) * interval '1 second'
                    WHEN n >= ${expiredFrom} AND n < ${activeFrom} THEN now() - interval '40 days' END,
               CASE WHEN n >= ${revokedFrom} AND n < ${activeFrom} THEN 'logout' END
        FROM generate_series(0, ${sessions - 1}) AS n,
             LATERAL (SELECT CASE WHEN n >= ${expiredFrom} AND n < ${activeFrom} THEN now() - interval '45 days' ELSE now() - interval '1 day' END AS created) c,
             LATERAL (SELECT CASE WHEN n >= ${expiredFrom} AND n < ${activeFrom} THEN c.created ELSE now() - (n % 3600) * interval '1 second' END AS active) a`)
      await tx.unsafe(`
        INSERT INTO refresh_tokens (session_id, token_hash, generation, created_at, retired_at)
        SELECT md5('scale-session-' || n)::uuid, md5('scale-refresh-a-' || n) || md5('scale-refresh-b-' || n), 0, now() - interval '1 day', NULL
        FROM generate_series(0, ${sessions - 1}) AS n`)
    })
    await sql.unsafe('ANALYZE users, sessions, refresh_tokens')
    const authTime = Math.floor(Date.now() / 1000) - 86_400
    const revokedSample = await sql.unsafe<{ id: string; user_id: string }[]>(
      `SELECT id::text, user_id::text FROM sessions WHERE ended_at > now() - interval '15 minutes' ORDER BY id LIMIT ${sampleSize}`,
    )
    return {
      bigUser: { email: `scale-0-${runId}@bench.example`, password },
      revokedSample: revokedSample.map((row) => ({ userId: row.user_id, sessionId: row.id, accessToken: '', refreshToken: '', authTime })),
      seconds: (performance.now() - started) / 1000,
    }
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** EXPLAIN (ANALYZE) of the queries whose plans decide whether cost stays flat, for the README. */
export async function explainScaleQueries(databaseUrl: string, bigUserId: string): Promise<Record<string, string[]>> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const explain = async (query: string) =>
    (await sql.unsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${query}`)).map((row) => row['QUERY PLAN'])
  try {
    return {
      me_sessions: await explain(`SELECT * FROM sessions WHERE user_id = '${bigUserId}' AND ended_at IS NULL ORDER BY last_active_at DESC`),
      denylist_rebuild: await explain(`SELECT id, ended_at FROM sessions WHERE ended_at > now() - interval '16 minutes'`),
      // As stores/retention.ts sends it: oldest first, so the planner walks sessions_ended_at_idx.
      retention_batch: await explain(`SELECT id FROM sessions WHERE ended_at < now() - interval '30 days' ORDER BY ended_at LIMIT 500 FOR UPDATE SKIP LOCKED`),
    }
  } finally {
    await sql.end({ timeout: 5 })
  }
}
