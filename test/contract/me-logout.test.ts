import { describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { buildTestApp, call, introspect, registerAndLogin } from '../support/app.js'
import { securityEvents, sessions } from '../../src/stores/schema.js'

const { app, services } = await buildTestApp()

describe('GET /me', () => {
  it('returns the user and the current session', async () => {
    const { tokens, user } = await registerAndLogin(app, { headers: { 'user-agent': 'curl/8.5.0' } })
    const res = await call(app, 'GET', '/me', { bearer: tokens.accessToken })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ user, session: { ...tokens.session, current: true } })
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('answers 401 with a bare Bearer challenge when no token is sent', async () => {
    const res = await call(app, 'GET', '/me')
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('unauthorized')
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sessiond"')
    const basic = await call(app, 'GET', '/me', { headers: { authorization: 'Basic Zm9vOmJhcg==' } })
    expect(basic.status).toBe(401)
    expect(basic.headers.get('www-authenticate')).toBe('Bearer realm="sessiond"')
  })

  it.each(['not-a-jwt', 'eyJhbGciOiJFZERTQSJ9.e30.AAAA'])('answers 401 invalid_token for a bad token (%s)', async (token) => {
    const res = await call(app, 'GET', '/me', { bearer: token })
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('invalid_token')
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sessiond", error="invalid_token"')
  })

  it.each(['Bearer', 'Bearer ', 'Bearer a b', 'Bearer ä'])('answers 400 for a malformed Authorization header (%j)', async (header) => {
    const res = await call(app, 'GET', '/me', { headers: { authorization: header } })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_request')
  })
})

describe('POST /logout', () => {
  it('with the access token: ends the session in the ledger, then everywhere', async () => {
    const { tokens, user } = await registerAndLogin(app)
    const other = await buildTestApp() // a second instance on the same Postgres and Redis
    expect((await introspect(other.app, tokens.accessToken)).body.active).toBe(true)

    const res = await call(app, 'POST', '/logout', { bearer: tokens.accessToken })
    expect(res.status).toBe(204)

    const [row] = await services.db.select().from(sessions).where(eq(sessions.id, tokens.session.id))
    expect(row!.endedAt).toBeInstanceOf(Date)
    expect(row!.endReason).toBe('logout')
    expect((await introspect(app, tokens.accessToken)).body).toEqual({ active: false })
    expect((await introspect(other.app, tokens.accessToken)).body).toEqual({ active: false })
    expect((await call(app, 'GET', '/me', { bearer: tokens.accessToken })).status).toBe(401)
    const refresh = await call(app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } })
    expect(refresh.status).toBe(401)
    expect(refresh.body).toMatchObject({ error: 'session_revoked', reason: 'logout' })
    const events = await services.db.select().from(securityEvents).where(eq(securityEvents.userId, user.id))
    expect(events.map((event) => event.type)).toContain('logout')
  })

  it('with the refresh token: ends its session', async () => {
    const { tokens } = await registerAndLogin(app)
    const res = await call(app, 'POST', '/logout', { json: { refreshToken: tokens.refreshToken } })
    expect(res.status).toBe(204)
    expect((await introspect(app, tokens.accessToken)).body).toEqual({ active: false })
  })

  it('is 204 again when the session already ended, and for an unknown refresh token (RFC 7009)', async () => {
    const { tokens } = await registerAndLogin(app)
    expect((await call(app, 'POST', '/logout', { bearer: tokens.accessToken })).status).toBe(204)
    expect((await call(app, 'POST', '/logout', { bearer: tokens.accessToken })).status).toBe(204)
    expect((await call(app, 'POST', '/logout', { json: { refreshToken: tokens.refreshToken } })).status).toBe(204)
    expect((await call(app, 'POST', '/logout', { json: { refreshToken: 'never-issued-token' } })).status).toBe(204)
  })

  it('leaves other sessions of the same user alone', async () => {
    const { email, password, tokens } = await registerAndLogin(app)
    const second = await call(app, 'POST', '/login', { json: { email, password } })
    await call(app, 'POST', '/logout', { bearer: tokens.accessToken })
    expect((await introspect(app, second.body.accessToken)).body.active).toBe(true)
  })

  it('answers 401 invalid_token for a bearer we did not sign, and changes nothing', async () => {
    const { tokens } = await registerAndLogin(app)
    const [header, payload] = tokens.accessToken.split('.')
    const res = await call(app, 'POST', '/logout', { bearer: `${header}.${payload}.${'A'.repeat(86)}` })
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('invalid_token')
    expect((await introspect(app, tokens.accessToken)).body.active).toBe(true)
  })

  it.each([
    ['no token and no body', {}],
    ['a body without refreshToken', { json: { token: 'x' } }],
    ['a refreshToken that is not a string', { json: { refreshToken: 5 } }],
  ])('answers 400 invalid_request for %s', async (_label, options) => {
    const res = await call(app, 'POST', '/logout', options)
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_request')
  })
})
