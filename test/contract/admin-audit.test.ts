import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { buildTestApp, call, fetchJson, introspect, isolatedDatabase, listen, registerAndLogin } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { keyFingerprint } from '../../src/http/middleware/require-admin.js'
import { sessions } from '../../src/stores/schema.js'
import { insertSession } from '../../src/stores/sessions.js'

const KEY = 'admin-key-audit-0123456789-0123456789-abc'
const NEXT_KEY = 'admin-key-audit-next-9876543210-98765-xyz'
const DAY = 86_400_000
// Its own database: the log is global, and POST /admin/sessions/revoke-all ends everyone's sessions.
const database = await isolatedDatabase()
const clock = createFakeClock()
const { app, services } = await buildTestApp({ env: { ADMIN_API_KEY: `${KEY},${NEXT_KEY}` }, database, clock })
// Over a real socket, so the audit log has a client address to record.
const base = await listen(app)
const apiKey = { type: 'api_key', id: keyFingerprint(KEY) }

/** An admin call over the socket; `reason` (when given) is the JSON body. */
function admin(method: string, path: string, options: { reason?: unknown; key?: string } = {}) {
  return fetchJson(base, method, path, {
    headers: { authorization: `Bearer ${options.key ?? KEY}` },
    json: options.reason === undefined ? undefined : { reason: options.reason },
  })
}

async function auditPage(query = '') {
  const res = await call(app, 'GET', `/admin/audit${query}`, { bearer: KEY })
  expect(res.status).toBe(200)
  return res.body as { entries: Array<Record<string, unknown>>; nextCursor: string | null }
}

describe('the audit log', () => {
  it('records every admin action, newest first, with its actor (the key fingerprint), target, reason and address', async () => {
    const a = await registerAndLogin(app)
    const b = await registerAndLogin(app)
    const before = (await auditPage()).entries.length

    expect((await admin('DELETE', `/admin/sessions/${a.tokens.session.id}`, { reason: 'Phished, ticket 4711' })).status).toBe(204)
    expect((await admin('POST', `/admin/users/${a.user.id}/sessions/revoke-all`)).status).toBe(200)
    expect((await admin('POST', `/admin/users/${a.user.id}/disable`, { reason: 'Fraud' })).status).toBe(200)
    expect((await admin('POST', `/admin/users/${a.user.id}/enable`, { reason: null, key: NEXT_KEY })).status).toBe(200)
    expect((await admin('DELETE', `/admin/users/${b.user.id}`, { reason: 'Erasure request' })).status).toBe(204)
    expect((await admin('POST', '/admin/sessions/revoke-all', { reason: 'Signing key leaked' })).status).toBe(200)
    // Reads and refused actions are not changes: nothing is recorded for them.
    expect((await admin('GET', '/admin/users')).status).toBe(200)
    expect((await admin('DELETE', `/admin/sessions/${randomUUID()}`, { reason: 'gone already' })).status).toBe(404)

    const { entries } = await auditPage()
    const ip = '127.0.0.1'
    expect(entries.slice(0, entries.length - before).map(({ id, at, ...entry }) => entry)).toEqual([
      { actor: apiKey, action: 'revoke_all_sessions', target: {}, reason: 'Signing key leaked', ip },
      { actor: apiKey, action: 'delete_user', target: { userId: b.user.id }, reason: 'Erasure request', ip },
      { actor: { type: 'api_key', id: keyFingerprint(NEXT_KEY) }, action: 'enable_user', target: { userId: a.user.id }, reason: null, ip },
      { actor: apiKey, action: 'disable_user', target: { userId: a.user.id }, reason: 'Fraud', ip },
      { actor: apiKey, action: 'revoke_user_sessions', target: { userId: a.user.id }, reason: null, ip },
      { actor: apiKey, action: 'revoke_session', target: { userId: a.user.id, sessionId: a.tokens.session.id }, reason: 'Phished, ticket 4711', ip },
    ])
    expect(entries[0]).toMatchObject({ id: expect.any(String), at: clock.now().toISOString() })
    // The deleted user's entries outlive the account.
    expect((await auditPage(`?userId=${b.user.id}`)).entries.map((entry) => entry.action)).toEqual(['delete_user'])
  })

  it('pages newest first by cursor, for one user with ?userId=; refuses a bad cursor, userId or limit', async () => {
    const { user } = await registerAndLogin(app)
    for (let i = 0; i < 5; i += 1) {
      clock.advance(1000)
      await admin('POST', `/admin/users/${user.id}/sessions/revoke-all`, { reason: `round ${i}` })
    }
    const reasons: unknown[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page = await auditPage(`?userId=${user.id.toUpperCase()}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      expect(page.entries.every((entry) => (entry.target as { userId: string }).userId === user.id)).toBe(true)
      reasons.push(...page.entries.map((entry) => entry.reason))
      cursor = page.nextCursor
      pages += 1
    } while (cursor)
    expect(pages).toBe(3)
    expect(reasons).toEqual(['round 4', 'round 3', 'round 2', 'round 1', 'round 0'])

    for (const query of ['?userId=nope', '?cursor=bm9wZQ', '?limit=0', '?limit=101']) {
      const res = await call(app, 'GET', `/admin/audit${query}`, { bearer: KEY })
      expect(res.status, query).toBe(400)
      expect(res.body.error).toBe('invalid_request')
    }
    expect((await call(app, 'GET', '/admin/audit')).status).toBe(401)
  })

  it('deletes entries older than AUDIT_RETENTION (400 days by default) in the retention cleanup', async () => {
    const own = await isolatedDatabase()
    const ownClock = createFakeClock()
    const world = await buildTestApp({ env: { ADMIN_API_KEY: KEY }, database: own, clock: ownClock })
    const { user } = await registerAndLogin(world.app)
    const act = (reason: string) => call(world.app, 'POST', `/admin/users/${user.id}/sessions/revoke-all`, { bearer: KEY, json: { reason } })
    await act('old')
    ownClock.advance(399 * DAY)
    await act('recent')
    ownClock.advance(2 * DAY) // "old" is now 401 days old, "recent" 2
    expect((await world.services.cleanup.runOnce()).audit).toBe(1)
    const left = await call(world.app, 'GET', '/admin/audit', { bearer: KEY })
    expect(left.body.entries.map((entry: { reason: string }) => entry.reason)).toEqual(['recent'])
  })
})

describe('reasons', () => {
  it('reach the user: reasonNote on the ended session, details.reasonNote on the admin_revoked / account_disabled event', async () => {
    const { email, password, tokens, user } = await registerAndLogin(app)
    const other = (await call(app, 'POST', '/login', { json: { email, password } })).body
    await admin('DELETE', `/admin/sessions/${tokens.session.id}`, { reason: 'Your laptop was reported stolen' })

    const ended = await call(app, 'GET', '/me/sessions?state=ended', { bearer: other.accessToken })
    expect(ended.body.sessions).toEqual([expect.objectContaining({ id: tokens.session.id, endReason: 'admin', reasonNote: 'Your laptop was reported stolen' })])
    const events = await call(app, 'GET', '/me/security-events', { bearer: other.accessToken })
    expect(events.body.events.find((event: { type: string }) => event.type === 'admin_revoked')).toMatchObject({
      sessionId: tokens.session.id,
      details: { key: apiKey.id, reasonNote: 'Your laptop was reported stolen' },
    })

    // Disabled (with a note) and enabled again: the note is on the ended session and the event.
    await admin('POST', `/admin/users/${user.id}/disable`, { reason: 'Unusual activity: call support' })
    await admin('POST', `/admin/users/${user.id}/enable`)
    const back = (await call(app, 'POST', '/login', { json: { email, password } })).body
    const afterDisable = await call(app, 'GET', '/me/sessions?state=ended', { bearer: back.accessToken })
    expect(afterDisable.body.sessions.find((s: { id: string }) => s.id === other.session.id)).toMatchObject({
      endReason: 'account_disabled',
      reasonNote: 'Unusual activity: call support',
    })
    const disabledEvent = (await call(app, 'GET', '/me/security-events', { bearer: back.accessToken })).body.events.find(
      (event: { type: string }) => event.type === 'account_disabled',
    )
    expect(disabledEvent.details).toEqual({ key: apiKey.id, revoked: 1, reasonNote: 'Unusual activity: call support' })

    // No reason: no note anywhere.
    await admin('POST', `/admin/users/${user.id}/sessions/revoke-all`)
    const [row] = await services.db.select().from(sessions).where(eq(sessions.id, back.session.id))
    expect(row).toMatchObject({ endReason: 'admin', reasonNote: null })
  })

  const long = 'x'.repeat(501)
  it.each([
    ['501 characters', JSON.stringify({ reason: long })],
    ['a NUL', JSON.stringify({ reason: 'a\u0000b' })],
    ['a control character', JSON.stringify({ reason: 'ring \u0007 the bell' })],
    ['a lone surrogate', '{"reason":"half \\ud800 a pair"}'],
    ['a number', JSON.stringify({ reason: 42 })],
    ['an array body', JSON.stringify(['why'])],
  ])('refuses %s with 400 invalid_request and changes nothing', async (_name, body) => {
    const { tokens, user } = await registerAndLogin(app)
    const entries = (await auditPage(`?userId=${user.id}`)).entries.length
    const res = await call(app, 'DELETE', `/admin/sessions/${tokens.session.id}`, { bearer: KEY, body, headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_request')
    expect((await introspect(app, tokens.accessToken)).body.active).toBe(true)
    expect((await auditPage(`?userId=${user.id}`)).entries).toHaveLength(entries)
  })

  it('refuses a body that is not JSON (400) or not sent as JSON (415)', async () => {
    const { user } = await registerAndLogin(app)
    const path = `/admin/users/${user.id}/disable`
    expect((await call(app, 'POST', path, { bearer: KEY, body: 'because', headers: { 'content-type': 'application/json' } })).body.error).toBe('invalid_json')
    expect((await call(app, 'POST', path, { bearer: KEY, body: 'because', headers: { 'content-type': 'text/plain' } })).status).toBe(415)
    expect((await auditPage(`?userId=${user.id}`)).entries).toEqual([])
  })

  it('takes 500 characters counted as code points (not UTF-16 units); {}, null and a blank reason mean none', async () => {
    const { user } = await registerAndLogin(app)
    const astral = '🔒'.repeat(500) // 1000 UTF-16 units
    for (const json of [{ reason: astral }, {}, { reason: null }, { reason: '  \n ' }, { reason: '  trimmed  ' }]) {
      expect((await call(app, 'POST', `/admin/users/${user.id}/sessions/revoke-all`, { bearer: KEY, json })).status).toBe(200)
    }
    const { entries } = await auditPage(`?userId=${user.id}`)
    expect(entries.map((entry) => entry.reason)).toEqual(['trimmed', null, null, null, astral])
  })
})

describe('console sessions and the admin role (service API, as the console calls it)', () => {
  /** A console session of `userId`, inserted the way a console sign-in will open one. */
  async function consoleSessionOf(userId: string, device: string) {
    const now = clock.now()
    return insertSession(database.db, {
      id: randomUUID(),
      userId,
      kind: 'console',
      device: `${device} (console)`,
      userAgent: null,
      ip: '127.0.0.1',
      location: null,
      createdAt: now,
      lastActiveAt: now,
      absoluteExpiresAt: new Date(now.getTime() + 12 * 3_600_000),
      authTime: now,
    })
  }

  it('revoking the role ends the console sessions only; both are audited with the acting admin', async () => {
    const ops = await registerAndLogin(app)
    const target = await registerAndLogin(app)
    const actor = { type: 'admin' as const, id: ops.user.id, email: ops.email }
    await services.operatorActions.grantAdmin(target.user.id, { actor, ip: '203.0.113.9' })
    const consoleSession = await consoleSessionOf(target.user.id, 'curl 8.5')

    // Ordinary session lists show the console session, labelled as such.
    const listed = await call(app, 'GET', '/me/sessions', { bearer: target.tokens.accessToken })
    expect(listed.body.sessions.map((s: { device: string }) => s.device)).toContain('curl 8.5 (console)')

    const user = await services.operatorActions.revokeAdmin(target.user.id, { actor, reason: 'Left the ops team', ip: '203.0.113.9' })
    expect(user.isAdmin).toBe(false)
    const [row] = await services.db.select().from(sessions).where(eq(sessions.id, consoleSession.id))
    expect(row).toMatchObject({ endReason: 'admin', reasonNote: 'Left the ops team' })
    expect((await introspect(app, target.tokens.accessToken)).body.active).toBe(true)
    expect(await services.revocation.isRevoked(consoleSession.id)).toBe(true)

    const { entries } = await auditPage(`?userId=${target.user.id}`)
    expect(entries.map(({ id, at, ...entry }) => entry)).toEqual([
      { actor, action: 'revoke_admin', target: { userId: target.user.id }, reason: 'Left the ops team', ip: '203.0.113.9' },
      { actor, action: 'grant_admin', target: { userId: target.user.id }, reason: null, ip: '203.0.113.9' },
    ])
    const events = (await call(app, 'GET', '/me/security-events', { bearer: target.tokens.accessToken })).body.events
    expect(events.find((event: { type: string }) => event.type === 'admin_revoked')).toMatchObject({
      details: { admin: ops.user.id, revoked: 1, reasonNote: 'Left the ops team' },
    })
  })

  it('a console session times out after CONSOLE_IDLE_TIMEOUT (30 min), an ordinary one does not', async () => {
    const { user, tokens } = await registerAndLogin(app)
    const consoleSession = await consoleSessionOf(user.id, 'Firefox 130 on Linux')
    const active = async () => (await services.sessions.listActive(user.id)).map((session) => session.id).sort()
    expect(await active()).toEqual([tokens.session.id, consoleSession.id].sort())
    clock.advance(31 * 60_000)
    expect(await active()).toEqual([tokens.session.id])
    // Timed out: there is nothing left for an operator to end.
    expect((await admin('DELETE', `/admin/sessions/${consoleSession.id}`)).status).toBe(404)
  })
})
