import { describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { generatePrivateKeyPem, loadKeySet } from '../../src/services/keys.js'
import { basicAuth, buildTestApp, call, isolatedDatabase, listen, registerAndLogin, STRONG_PASSWORD, type TestApp } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { openRevocationStream, type OpenStream, type StreamEvent } from '../support/sse.js'

const ADMIN_KEY = 'admin-key-0123456789-0123456789-stream'
const MINUTE = 60_000

// One ledger for this file's stream tests (they run one after another, so the seqs a test sees after
// its own snapshot are its own); the two that move the clock or need an empty log get their own.
// A database per test would hold a pool each until the file ends: too many connections in a full run.
const shared = await isolatedDatabase()

/** An app on this file's own ledger (or `database`), served on a real socket. */
async function streamWorld(env: Record<string, string> = {}, options: { clock?: TestApp['clock']; database?: Awaited<ReturnType<typeof isolatedDatabase>> } = {}) {
  const database = options.database ?? shared
  const world = await buildTestApp({ database, clock: options.clock ?? systemClock, env: { ADMIN_API_KEY: ADMIN_KEY, STREAM_HEARTBEAT: '300ms', ...env } })
  const base = await listen(world.app)
  return { ...world, base, database }
}

const isType = (type: string) => (event: StreamEvent) => event.type === type
const revokedSid = (sid: string) => (event: StreamEvent) => event.type === 'revoked' && event.data.sid === sid
const admin = (app: TestApp['app'], method: string, path: string) => call(app, method, path, { bearer: ADMIN_KEY })

/** The next heartbeat at or after `from`. */
const nextHeartbeat = (stream: OpenStream, from = stream.events.length) => stream.next(isType('heartbeat'), { from })

describe('GET /revocations/stream: who may listen', () => {
  it('needs an introspection client, exactly as /introspect: 401 invalid_client with a Basic challenge', async () => {
    const { app } = await buildTestApp()
    const attempts: Record<string, string>[] = [{}, { authorization: basicAuth('orders-api', 'wrong-secret-0123456789-0123456789-xx') }, { authorization: 'Bearer x' }]
    for (const headers of attempts) {
      const res = await call(app, 'GET', '/revocations/stream', { headers })
      expect(res.status).toBe(401)
      expect(res.body.error).toBe('invalid_client')
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="sessiond"')
    }
  })

  it('shares the failed-client budget with /introspect: guesses on either are refused with 429 on both', async () => {
    const { app } = await buildTestApp()
    const wrong = { authorization: basicAuth('orders-api', 'wrong-secret-0123456789-0123456789-xx') }
    for (let i = 0; i < 10; i += 1) {
      await call(app, 'POST', '/introspect', { json: { token: 'x' }, headers: wrong })
      await call(app, 'GET', '/revocations/stream', { headers: wrong })
    }
    const refused = await call(app, 'GET', '/revocations/stream', { headers: wrong })
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('refuses a Last-Event-ID that is not a sequence number with 400 invalid_request', async () => {
    const { app } = await buildTestApp()
    const res = await call(app, 'GET', '/revocations/stream', { headers: { authorization: basicAuth(), 'last-event-id': 'abc' } })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ error: 'invalid_request', details: [{ path: ['Last-Event-ID'] }] })
  })
})

describe('GET /revocations/stream: what a subscriber sees', () => {
  it('starts with a snapshot of the revocations still relevant, then heartbeats; text/event-stream, no-store', async () => {
    const { app, base } = await streamWorld()
    const gone = await registerAndLogin(app)
    await call(app, 'POST', '/logout', { bearer: gone.tokens.accessToken })
    const stream = await openRevocationStream(base)
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(stream.headers.get('cache-control')).toBe('no-store')
    const snapshot = await stream.next(isType('snapshot'))
    expect(snapshot.data.revoked).toContainEqual({ sid: gone.tokens.session.id, sub: gone.user.id, reason: 'logout', revokedAt: expect.any(String) })
    expect(snapshot.data.revokedAllBefore).toBeNull()
    expect(snapshot.id).toBe(String(snapshot.data.seq))
    const heartbeat = await nextHeartbeat(stream)
    expect(heartbeat.data.seq).toBe(snapshot.data.seq)
    // Heartbeats keep coming every STREAM_HEARTBEAT (300 ms here).
    const later = await nextHeartbeat(stream, stream.events.indexOf(heartbeat) + 1)
    expect(later.receivedAt - heartbeat.receivedAt).toBeLessThan(2000)
  })

  it('sends every path that ends a session, with its reason, and revoke-all as one revoked_all iat cutoff', async () => {
    const { app, base } = await streamWorld({ MAX_SESSIONS_PER_USER: '1' })
    const stream = await openRevocationStream(base)
    await stream.next(isType('snapshot'))
    const seen = async (sid: string, reason: string) => {
      const event = await stream.next(revokedSid(sid))
      expect(event.data.reason).toBe(reason)
    }

    const logout = await registerAndLogin(app)
    await call(app, 'POST', '/logout', { bearer: logout.tokens.accessToken })
    await seen(logout.tokens.session.id, 'logout')

    // Eviction: a second login over MAX_SESSIONS_PER_USER=1 ends the first session.
    const evicted = await registerAndLogin(app)
    await call(app, 'POST', '/login', { json: { email: evicted.email, password: STRONG_PASSWORD } })
    await seen(evicted.tokens.session.id, 'evicted')

    // Reuse detection: a refresh token two rotations old is replayed (no grace for it).
    const reused = await registerAndLogin(app)
    const once = await call(app, 'POST', '/refresh', { json: { refreshToken: reused.tokens.refreshToken } })
    expect((await call(app, 'POST', '/refresh', { json: { refreshToken: once.body.refreshToken } })).status).toBe(200)
    expect((await call(app, 'POST', '/refresh', { json: { refreshToken: reused.tokens.refreshToken } })).body.error).toBe('refresh_token_reused')
    await seen(reused.tokens.session.id, 'reuse_detected')

    const changed = await registerAndLogin(app)
    const password = await call(app, 'POST', '/me/password', {
      bearer: changed.tokens.accessToken,
      json: { currentPassword: STRONG_PASSWORD, newPassword: 'another correct horse battery' },
    })
    expect(password.status).toBe(200)
    await seen(changed.tokens.session.id, 'password_changed')

    const byAdmin = await registerAndLogin(app)
    expect((await admin(app, 'DELETE', `/admin/sessions/${byAdmin.tokens.session.id}`)).status).toBe(204)
    await seen(byAdmin.tokens.session.id, 'admin')

    const allOfUser = await registerAndLogin(app)
    expect((await admin(app, 'POST', `/admin/users/${allOfUser.user.id}/sessions/revoke-all`)).status).toBe(200)
    await seen(allOfUser.tokens.session.id, 'admin')

    const disabled = await registerAndLogin(app)
    expect((await admin(app, 'POST', `/admin/users/${disabled.user.id}/disable`)).status).toBe(200)
    await seen(disabled.tokens.session.id, 'account_disabled')

    const deleted = await registerAndLogin(app)
    expect((await admin(app, 'DELETE', `/admin/users/${deleted.user.id}`)).status).toBe(204)
    await seen(deleted.tokens.session.id, 'admin')

    const survivor = await registerAndLogin(app)
    const everything = await admin(app, 'POST', '/admin/sessions/revoke-all')
    expect(everything.status).toBe(200)
    const cutoff = await stream.next(isType('revoked_all'))
    const iat = JSON.parse(Buffer.from(survivor.tokens.accessToken.split('.')[1], 'base64url').toString()).iat
    expect(Date.parse(cutoff.data.before)).toBeGreaterThanOrEqual(iat * 1000)
    // One cutoff, not one event per session.
    expect(stream.events.filter(revokedSid(survivor.tokens.session.id))).toEqual([])
  }, 60_000)

  it('sends the user-side revocations too: one other session, and all other sessions', async () => {
    const { app, base } = await streamWorld()
    const stream = await openRevocationStream(base)
    await stream.next(isType('snapshot'))
    const me = await registerAndLogin(app)
    const second = await call(app, 'POST', '/login', { json: { email: me.email, password: STRONG_PASSWORD } })
    const third = await call(app, 'POST', '/login', { json: { email: me.email, password: STRONG_PASSWORD } })
    expect((await call(app, 'DELETE', `/me/sessions/${second.body.session.id}`, { bearer: me.tokens.accessToken })).status).toBe(204)
    expect((await stream.next(revokedSid(second.body.session.id))).data).toMatchObject({ reason: 'revoked', sub: me.user.id })
    expect((await call(app, 'POST', '/me/sessions/revoke-all', { bearer: me.tokens.accessToken })).status).toBe(200)
    expect((await stream.next(revokedSid(third.body.session.id))).data.reason).toBe('revoked')
  })

  it('sends a revocation made on this instance at once, not at the next heartbeat', async () => {
    const { app, base } = await streamWorld({ STREAM_HEARTBEAT: '30s' })
    const stream = await openRevocationStream(base)
    await stream.next(isType('snapshot'))
    const { tokens } = await registerAndLogin(app)
    const started = Date.now()
    await call(app, 'POST', '/logout', { bearer: tokens.accessToken })
    const event = await stream.next(revokedSid(tokens.session.id), { timeoutMs: 5000 })
    expect(event.receivedAt - started).toBeLessThan(3000)
  })

  it('sees a revocation made on another instance of the same ledger within one heartbeat', async () => {
    const a = await streamWorld({ STREAM_HEARTBEAT: '1s' })
    const b = await streamWorld({ STREAM_HEARTBEAT: '1s' }, { database: a.database })
    const stream = await openRevocationStream(b.base)
    await nextHeartbeat(stream, 0)
    const { tokens } = await registerAndLogin(a.app)
    const started = Date.now()
    await call(a.app, 'POST', '/logout', { bearer: tokens.accessToken })
    const event = await stream.next(revokedSid(tokens.session.id), { timeoutMs: 5000 })
    // One heartbeat (1 s) plus the poll itself, with room for a loaded machine.
    expect(event.receivedAt - started).toBeLessThan(2500)
  })
})

describe('GET /revocations/stream: cursors', () => {
  it('resumes after Last-Event-ID with exactly the events missed, in seq order, and no snapshot', async () => {
    const { app, base } = await streamWorld()
    const first = await openRevocationStream(base)
    const head = (await first.next(isType('snapshot'))).data.seq
    first.close()
    const missed = []
    for (let i = 0; i < 3; i += 1) {
      const { tokens } = await registerAndLogin(app)
      await call(app, 'POST', '/logout', { bearer: tokens.accessToken })
      missed.push(tokens.session.id)
    }
    const resumed = await openRevocationStream(base, { lastEventId: String(head) })
    await nextHeartbeat(resumed, 0)
    const revoked = resumed.events.filter(isType('revoked'))
    expect(revoked.map((event) => event.data.sid)).toEqual(missed)
    expect(revoked.map((event) => event.data.seq)).toEqual([head + 1, head + 2, head + 3])
    expect(resumed.events.filter(isType('snapshot'))).toEqual([])
  })

  it('sends a snapshot first when the cursor is older than the log keeps (ACCESS_TOKEN_TTL + 5 min) or ahead of it', async () => {
    const clock = createFakeClock()
    const { app, base, services } = await streamWorld({}, { clock, database: await isolatedDatabase() })
    const old = await registerAndLogin(app)
    await call(app, 'POST', '/logout', { bearer: old.tokens.accessToken })
    clock.advance(21 * MINUTE) // the default 15 min TTL + 5 min has passed: that entry may go
    const recent = await registerAndLogin(app)
    await call(app, 'POST', '/logout', { bearer: recent.tokens.accessToken })
    expect((await services.cleanup.runOnce()).revocationLog).toBe(1)

    const tooOld = await openRevocationStream(base, { lastEventId: '0' })
    const snapshot = await tooOld.next(isType('snapshot'))
    expect(snapshot.data.revoked.map((entry: { sid: string }) => entry.sid)).toEqual([recent.tokens.session.id])

    const ahead = await openRevocationStream(base, { lastEventId: '999999' })
    expect((await ahead.next(isType('snapshot'))).data.seq).toBe(snapshot.data.seq)

    // The cursor right before the oldest entry kept still resumes.
    const exact = await openRevocationStream(base, { lastEventId: String(snapshot.data.seq - 1) })
    await nextHeartbeat(exact, 0)
    expect(exact.events.map((event) => event.type)).toEqual(['revoked', 'heartbeat'])
  })
})

describe('GET /revocations/stream: the heartbeat promise under concurrent transactions', () => {
  it('never covers a revocation that has not committed: a heartbeat waits for the writer that holds the log', async () => {
    const { app, base, database } = await streamWorld()
    const stream = await openRevocationStream(base)
    const head = (await stream.next(isType('snapshot'))).data.seq
    const slow = await registerAndLogin(app)
    const fast = await registerAndLogin(app)

    // A revocation transaction that has written its log entry (seq head+1) but not committed yet.
    let commit!: () => void
    const committed = new Promise<void>((resolve) => (commit = resolve))
    let appended!: () => void
    const holding = new Promise<void>((resolve) => (appended = resolve))
    const { appendRevocations } = await import('../../src/stores/revocation-log.js')
    const open = database.db.transaction(async (tx) => {
      await appendRevocations(tx, new Date(), [{ kind: 'revoked', sessionId: slow.tokens.session.id, userId: slow.user.id, reason: 'admin' }])
      appended()
      await committed
    })
    await holding
    // Meanwhile a logout through the API: it must wait for the open transaction (its seq comes after).
    const logout = call(app, 'POST', '/logout', { bearer: fast.tokens.accessToken })
    let during: number[]
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      during = stream.events.filter(isType('heartbeat')).map((event) => event.data.seq)
    } finally {
      commit()
      await open
    }
    expect(during.length).toBeGreaterThan(1)
    expect(Math.max(...during)).toBe(head)
    expect((await logout).status).toBe(204)
    const last = await stream.next((event) => event.type === 'heartbeat' && event.data.seq === head + 2)
    const before = stream.events.slice(0, stream.events.indexOf(last)).filter(isType('revoked'))
    expect(before.map((event) => [event.data.seq, event.data.sid])).toEqual([
      [head + 1, slow.tokens.session.id],
      [head + 2, fast.tokens.session.id],
    ])
  })

  it('keeps seq gap-free when a revocation transaction rolls back', async () => {
    const { app, base, database } = await streamWorld()
    const stream = await openRevocationStream(base)
    const head = (await stream.next(isType('snapshot'))).data.seq
    const { appendRevocations } = await import('../../src/stores/revocation-log.js')
    await expect(
      database.db.transaction(async (tx) => {
        await appendRevocations(tx, new Date(), [{ kind: 'revoked', sessionId: '00000000-0000-4000-8000-000000000000', userId: null, reason: 'admin' }])
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    const { tokens } = await registerAndLogin(app)
    await call(app, 'POST', '/logout', { bearer: tokens.accessToken })
    expect((await stream.next(revokedSid(tokens.session.id))).data.seq).toBe(head + 1)
  })

  it('holds with many parallel revocations: every one answered before a heartbeat was sent is in it and came before it', async () => {
    const { app, base } = await streamWorld({ STREAM_HEARTBEAT: '100ms' })
    const stream = await openRevocationStream(base)
    await stream.next(isType('snapshot'))
    // Signed in four at a time: the point is parallel revocations, not a flood of password hashes.
    const users: Awaited<ReturnType<typeof registerAndLogin>>[] = []
    for (let i = 0; i < 6; i += 1) users.push(...(await Promise.all(Array.from({ length: 4 }, () => registerAndLogin(app)))))
    const answered = new Map<string, number>()
    await Promise.all(
      users.map(async ({ tokens }, i) => {
        await new Promise((resolve) => setTimeout(resolve, (i % 6) * 40))
        expect((await call(app, 'POST', '/logout', { bearer: tokens.accessToken })).status).toBe(204)
        answered.set(tokens.session.id, Date.now())
      }),
    )
    const lastSid = [...answered.entries()].sort((x, y) => x[1] - y[1]).at(-1)![0]
    const lastEvent = await stream.next(revokedSid(lastSid))
    await nextHeartbeat(stream, stream.events.indexOf(lastEvent))

    const revoked = stream.events.filter(isType('revoked'))
    const seqs = revoked.map((event) => event.data.seq)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(new Set(seqs).size).toBe(seqs.length)
    expect(seqs.at(-1)! - seqs[0]! + 1).toBe(seqs.length)
    for (const [index, event] of stream.events.entries()) {
      if (event.type !== 'heartbeat') continue
      const sentAt = Date.parse(event.data.serverTime)
      const seenBefore = new Set(stream.events.slice(0, index).filter(isType('revoked')).map((e) => e.data.sid))
      for (const [sid, at] of answered) {
        if (at < sentAt) expect(seenBefore.has(sid)).toBe(true)
      }
      for (const e of stream.events.slice(0, index).filter(isType('revoked'))) expect(e.data.seq).toBeLessThanOrEqual(event.data.seq)
    }
  }, 60_000)
})

describe('GET /revocations/stream: keys, metrics, outages, shutdown', () => {
  it('announces keys_changed once per new key set, to every subscriber', async () => {
    const database = await isolatedDatabase()
    const { services, base } = await streamWorld({}, { database })
    expect(await services.revocationStream.announceKeys()).toBe(true)
    expect(await services.revocationStream.announceKeys()).toBe(false)
    const stream = await openRevocationStream(base)
    await stream.next(isType('snapshot'))
    const rotated = await buildTestApp({ database, keys: await loadKeySet(generatePrivateKeyPem()) })
    expect(await rotated.services.revocationStream.announceKeys()).toBe(true)
    const event = await stream.next(isType('keys_changed'))
    expect(event.data.kids).toEqual([rotated.keys.signingKid])
  })

  it('reports subscribers, events sent and lag on /metrics', async () => {
    const { app, base } = await streamWorld()
    const stream = await openRevocationStream(base)
    await stream.next(isType('snapshot'))
    const { tokens } = await registerAndLogin(app)
    await call(app, 'POST', '/logout', { bearer: tokens.accessToken })
    await stream.next(revokedSid(tokens.session.id))
    const text = await (await app.request('/metrics')).text()
    expect(text).toMatch(/^sessiond_revocation_stream_subscribers 1$/m)
    expect(text).toMatch(/^sessiond_revocation_stream_events_sent_total\{event="revoked"\} [1-9]/m)
    expect(text).toMatch(/^sessiond_revocation_stream_events_sent_total\{event="snapshot"\} 1$/m)
    expect(text).toMatch(/^sessiond_revocation_stream_lag_seconds_count [1-9]/m)
    stream.close()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const after = await (await app.request('/metrics')).text()
    expect(after).toMatch(/^sessiond_revocation_stream_subscribers 0$/m)
  })

  it('answers 503 with Retry-After, quickly, when the ledger cannot be read at subscription', async () => {
    const { openPostgres } = await import('../../src/stores/db.js')
    const dead = openPostgres({ url: 'postgres://postgres@127.0.0.1:1/none', timeoutMs: 1000 })
    const { app } = await buildTestApp({ database: dead })
    const started = Date.now()
    const res = await call(app, 'GET', '/revocations/stream', { headers: { authorization: basicAuth() } })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(Date.now() - started).toBeLessThan(5000)
    await dead.close()
  })

  it('ends every open stream when the service stops, so shutdown is not held open', async () => {
    const { services, base } = await streamWorld()
    const stream = await openRevocationStream(base)
    await stream.next(isType('snapshot'))
    await services.revocationStream.stop()
    await expect(Promise.race([stream.ended.then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('open'), 3000))])).resolves.toBe('ended')
  })
})
