import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp, call, isolatedDatabase } from '../support/app.js'
import { onClose } from '../support/resources.js'
import { emailPrefixCountQuery, emailPrefixPageQuery } from '../../src/stores/users.js'

const KEY = 'admin-key-0123456789-0123456789-abcdef'
// Its own database: `total` counts every user, so no other file's users may be there.
const database = await isolatedDatabase()
const { app } = await buildTestApp({ env: { ADMIN_API_KEY: KEY }, database })
const admin = (path: string) => call(app, 'GET', path, { bearer: KEY })

/** Inserts `count` users `<tag>-000001@example.test`… in one statement (not one HTTP call each). */
async function insertUsers(tag: string, count: number): Promise<void> {
  await database.db.execute(sql`
    INSERT INTO users (id, email, password_hash, created_at, password_changed_at)
    SELECT gen_random_uuid(), ${tag} || '-' || lpad(n::text, 6, '0') || '@example.test', 'not-a-hash', now(), now()
    FROM generate_series(1, ${count}) AS n`)
}

/** Follows `nextCursor` to the end; every page is checked against openapi.yaml by `call`. */
async function allPages(query: string): Promise<{ emails: string[]; pages: number; totals: number[] }> {
  const emails: string[] = []
  const totals: number[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await admin(`/admin/users?${query}${cursor ? `&cursor=${cursor}` : ''}`)
    expect(res.status).toBe(200)
    emails.push(...res.body.users.map((user: { email: string }) => user.email))
    totals.push(res.body.total)
    cursor = res.body.nextCursor
    pages += 1
  } while (cursor)
  return { emails, pages, totals }
}

const tag = `pg${randomUUID().slice(0, 6)}`
await insertUsers(tag, 250)
await insertUsers(`x${tag}`, 3) // contains the tag but does not start with it

describe('GET /admin/users: e-mail prefix, pages and total', () => {
  it('pages through every match once, in email order, with the total on every page', async () => {
    const { emails, pages, totals } = await allPages(`email=${tag}&limit=100`)
    expect(pages).toBe(3)
    expect(emails).toHaveLength(250)
    expect(new Set(emails).size).toBe(250)
    expect(emails).toEqual([...emails].sort())
    expect(emails[0]).toBe(`${tag}-000001@example.test`)
    expect(totals).toEqual([250, 250, 250])
  })

  it('matches the prefix in any case, and only a prefix', async () => {
    const upper = await admin(`/admin/users?email=${tag.toUpperCase()}-0001`)
    expect(upper.body.total).toBe(100) // -000100 … -000199
    expect(upper.body.users).toHaveLength(50) // the default page
    expect(upper.body.users[0]).toMatchObject({ email: `${tag}-000100@example.test`, isAdmin: false, disabledAt: null })
    expect((await admin(`/admin/users?email=x${tag.toUpperCase()}`)).body.total).toBe(3)
    expect((await admin(`/admin/users?email=${tag}-9`)).body).toEqual({ users: [], nextCursor: null, total: 0 })
    const all = await admin('/admin/users?limit=1')
    expect(all.body.total).toBe(253)
    expect(all.body.nextCursor).not.toBeNull()
  })

  const cursorOf = (text: string) => Buffer.from(text).toString('base64url')
  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=not-a-cursor!', 'cursor'],
    [`cursor=${cursorOf('user:')}`, 'cursor'],
    [`cursor=${cursorOf('user:Ada@Example.test')}`, 'cursor'],
    [`cursor=${cursorOf('ada@example.test')}`, 'cursor'],
    [`cursor=${cursorOf('user:ada@example.test')}=`, 'cursor'],
    [`cursor=${cursorOf('2026-01-01T00:00:00.000Z|1')}`, 'cursor'],
    [`cursor=${Buffer.from([0x75, 0x73, 0x65, 0x72, 0x3a, 0xff]).toString('base64url')}`, 'cursor'],
    [`cursor=${cursorOf('user:a\u0000b')}`, 'cursor'],
  ])('answers 400 invalid_request for %s', async (query, path) => {
    const res = await admin(`/admin/users?email=${tag}&${query}`)
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ error: 'invalid_request', details: [{ path: [path] }] })
  })

  it('serves the page and the count from users_email_prefix_idx, with generic plans too (no sequential scan)', async () => {
    await insertUsers(`bulk${tag}`, 20_000)
    const client = onClose(postgres(database.url, { max: 1, onnotice: () => {} }), (c) => c.end())
    await client`ANALYZE users`
    // The query as prepared: a prepared statement may be planned once for any parameters (a generic
    // plan, which cannot see the prefix), so both plans must use the index.
    const plan = async (query: { toSQL(): { sql: string; params: unknown[] } }, generic: boolean) => {
      const { sql: text, params } = query.toSQL()
      const name = `q_${randomUUID().replaceAll('-', '')}`
      const types = params.map((param) => (typeof param === 'number' ? 'bigint' : 'text')).join(', ')
      // EXPLAIN EXECUTE takes its arguments as literals (this test's own values).
      const args = params.map((param) => (typeof param === 'number' ? String(param) : `'${String(param).replaceAll("'", "''")}'`)).join(', ')
      await client.unsafe(`PREPARE ${name}(${types}) AS ${text}`)
      const rows = await client.begin(async (tx) => {
        await tx.unsafe(`SET LOCAL plan_cache_mode = ${generic ? 'force_generic_plan' : 'force_custom_plan'}`)
        return tx.unsafe(`EXPLAIN (FORMAT JSON) EXECUTE ${name}(${args})`)
      })
      await client.unsafe(`DEALLOCATE ${name}`)
      return JSON.stringify(rows[0]!['QUERY PLAN'])
    }
    for (const generic of [false, true]) {
      const page = await plan(emailPrefixPageQuery(database.db, { prefix: `${tag}-0001`, after: `${tag}-000150@example.test`, limit: 51 }), generic)
      const total = await plan(emailPrefixCountQuery(database.db, `${tag}-0001`), generic)
      for (const text of [page, total]) {
        expect(text).toContain('users_email_prefix_idx')
        expect(text).not.toContain('Seq Scan')
      }
    }
  })
})
