import { describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { buildTestApp, call, introspect, isolatedDatabase, registerAndLogin } from '../support/app.js'
import { securityEvents, sessions, users } from '../../src/stores/schema.js'
import { keyFingerprint } from '../../src/http/middleware/require-admin.js'

const KEY = 'admin-key-0123456789-0123456789-abcdef'
const NEXT_KEY = 'admin-key-next-9876543210-9876543210-xyz'
const { app, services, logs } = await buildTestApp({ env: { ADMIN_API_KEY: `${KEY},${NEXT_KEY}` } })
const admin = (method: string, path: string, key = KEY) => call(app, method, path, { bearer: key })

describe('admin authentication', () => {
  it('refuses a missing or wrong key with 401; accepts either of two rotating keys', async () => {
    const missing = await call(app, 'GET', '/admin/users?email=x')
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="sessiond"')
    const wrong = await admin('GET', '/admin/users?email=x', 'admin-key-wrong-0123456789-0123456789')
    expect(wrong.status).toBe(401)
    expect((await admin('GET', '/admin/users?email=x', KEY)).status).toBe(200)
    expect((await admin('GET', '/admin/users?email=x', NEXT_KEY)).status).toBe(200)
  })

  it('refuses everyone when ADMIN_API_KEY is unset', async () => {
    const closed = await buildTestApp()
    expect((await call(closed.app, 'GET', '/admin/users', { bearer: KEY })).status).toBe(401)
  })

  it('logs every admin action with the key fingerprint, never the key', async () => {
    await admin('GET', '/admin/users?email=nobody')
    const text = logs.join('')
    expect(text).toContain(`"adminKey":"${keyFingerprint(KEY)}"`)
    expect(text).not.toContain(KEY)
  })
})

describe('admin operations', () => {
  it('finds users by email and lists their active sessions with current always false', async () => {
    const { email, user, tokens } = await registerAndLogin(app)
    const found = await admin('GET', `/admin/users?email=${encodeURIComponent(email.toUpperCase())}`)
    expect(found.body).toEqual({ users: [{ ...user, isAdmin: false, disabledAt: null }], nextCursor: null, total: 1 })
    const listed = await admin('GET', `/admin/users/${user.id}/sessions`)
    expect(listed.body.sessions).toEqual([{ ...tokens.session, current: false }])
    expect((await admin('GET', '/admin/users/00000000-0000-4000-8000-000000000000/sessions')).status).toBe(404)
  })

  it.each(['%00', 'ada%00', '%00%25'])('answers 400 invalid_request for text Postgres cannot hold (NUL), not 500: email=%s', async (email) => {
    const res = await admin('GET', `/admin/users?email=${email}`)
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ error: 'invalid_request', details: [{ path: ['email'] }] })
  })

  it('DELETE /admin/sessions/:id ends one session (404 when unknown)', async () => {
    const { tokens, user } = await registerAndLogin(app)
    expect((await admin('DELETE', `/admin/sessions/${tokens.session.id}`)).status).toBe(204)
    expect((await introspect(app, tokens.accessToken)).body).toEqual({ active: false })
    const refresh = await call(app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } })
    expect(refresh.body).toMatchObject({ error: 'session_revoked', reason: 'admin' })
    expect((await admin('DELETE', `/admin/sessions/${tokens.session.id}`)).status).toBe(404)
    const events = await services.db.select().from(securityEvents).where(eq(securityEvents.userId, user.id))
    expect(events.map((event) => event.type)).toContain('admin_revoked')
  })

  it('revoke-all for one user', async () => {
    const { email, password, tokens, user } = await registerAndLogin(app)
    await call(app, 'POST', '/login', { json: { email, password } })
    expect((await admin('POST', `/admin/users/${user.id}/sessions/revoke-all`)).body).toEqual({ revoked: 2 })
    expect((await introspect(app, tokens.accessToken)).body).toEqual({ active: false })
  })

  it('disable ends every session and blocks login and refresh; enable lets the user back in', async () => {
    const { email, password, tokens, user } = await registerAndLogin(app)
    const disabled = await admin('POST', `/admin/users/${user.id}/disable`)
    expect(disabled.status).toBe(200)
    expect(disabled.body).toEqual({ user })
    expect((await introspect(app, tokens.accessToken)).body).toEqual({ active: false })
    expect((await call(app, 'POST', '/login', { json: { email, password } })).body.error).toBe('invalid_credentials')
    const refresh = await call(app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } })
    expect(refresh.status).toBe(401)
    expect(refresh.body).toMatchObject({ error: 'session_revoked', reason: 'account_disabled' })
    const events = await services.db.select().from(securityEvents).where(eq(securityEvents.userId, user.id))
    expect(events.map((event) => event.type)).toContain('account_disabled')
    expect((await admin('POST', `/admin/users/${user.id}/enable`)).status).toBe(200)
    expect((await call(app, 'POST', '/login', { json: { email, password } })).status).toBe(200)
  })

  it('DELETE /admin/users/:id removes the account; its revocations stay effective even after a denylist rebuild', async () => {
    const { email, password, tokens, user } = await registerAndLogin(app)
    expect((await admin('DELETE', `/admin/users/${user.id}`)).status).toBe(204)
    expect(await services.db.select().from(users).where(eq(users.id, user.id))).toHaveLength(0)
    expect(await services.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0)
    expect((await introspect(app, tokens.accessToken)).body).toEqual({ active: false })
    await services.revocation.rebuild()
    expect((await introspect(app, tokens.accessToken)).body).toEqual({ active: false })
    expect((await call(app, 'POST', '/login', { json: { email, password } })).status).toBe(401)
    expect((await admin('DELETE', `/admin/users/${user.id}`)).status).toBe(404)
  })

  it('POST /admin/sessions/revoke-all ends every session of every user', async () => {
    // Its own database: ending every session must not touch the other test files running meanwhile.
    const isolated = await buildTestApp({ env: { ADMIN_API_KEY: KEY }, database: await isolatedDatabase() })
    const a = await registerAndLogin(isolated.app)
    const b = await registerAndLogin(isolated.app)
    const res = await call(isolated.app, 'POST', '/admin/sessions/revoke-all', { bearer: KEY })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ revoked: 2 })
    for (const { tokens } of [a, b]) expect((await introspect(isolated.app, tokens.accessToken)).body).toEqual({ active: false })
  })
})
