import type { AddressInfo } from 'node:net'
import express from 'express'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../src/clock.js'
import { createVerifier, type Auth, type VerifierMode } from '../src/index.js'
import { requireSession as honoSession } from '../src/hono.js'
import { requireSession as expressSession } from '../src/express.js'
import { buildTestApp, call, INTROSPECTION_CLIENT, isolatedDatabase, listen, registerAndLogin } from '../../../test/support/app.js'
import { onClose } from '../../../test/support/resources.js'

const silent = { info() {}, warn() {}, error() {} }
const world = await buildTestApp({ database: await isolatedDatabase(), clock: systemClock, env: { STREAM_HEARTBEAT: '200ms' } })
const sessiondUrl = await listen(world.app)

function verifier(url: string, mode: VerifierMode = 'stream') {
  return onClose(
    createVerifier({ url, clientId: INTROSPECTION_CLIENT.id, clientSecret: INTROSPECTION_CLIENT.secret, audience: 'sessiond', mode, timeoutMs: 500, logger: silent }),
    (v) => v.close(),
  )
}

/** The same protected route, on Hono and on Express; `fetch`-shaped either way. */
const adapters: Record<string, (url: string, mode?: VerifierMode) => Promise<(headers: Record<string, string>) => Promise<Response>>> = {
  hono: async (url, mode) => {
    const app = new Hono<{ Variables: { auth: Auth } }>()
    app.use('/orders/*', honoSession(verifier(url, mode)))
    app.get('/orders/mine', (c) => c.json({ user: c.get('auth').sub }))
    return (headers) => Promise.resolve(app.request('/orders/mine', { headers }))
  },
  express: async (url, mode) => {
    const app = express()
    app.use('/orders', expressSession(verifier(url, mode)))
    app.get('/orders/mine', (_req, res) => {
      res.json({ user: (res.locals.auth as Auth).sub })
    })
    const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    onClose(server, (s) => new Promise((done) => s.close(done)))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return (headers) => fetch(`${base}/orders/mine`, { headers })
  },
}

describe.each(Object.keys(adapters))('%s middleware', (name) => {
  const protect = adapters[name]!

  it('passes a valid token and hands the route its caller', async () => {
    const get = await protect(sessiondUrl)
    const { tokens, user } = await registerAndLogin(world.app)
    const res = await get({ authorization: `Bearer ${tokens.accessToken}` })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ user: user.id })
  })

  it('answers 401 with the RFC 6750 challenge: no token, then a bad or revoked one; 400 for a malformed header', async () => {
    const get = await protect(sessiondUrl)
    const none = await get({})
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="api"')
    const bad = await get({ authorization: 'Bearer not.a.token' })
    expect(bad.status).toBe(401)
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token"')
    expect(await bad.json()).toMatchObject({ error: 'invalid_token' })
    const { tokens } = await registerAndLogin(world.app)
    await call(world.app, 'POST', '/logout', { bearer: tokens.accessToken })
    // introspect mode: the revocation is immediate, no heartbeat to wait for.
    const strict = await protect(sessiondUrl, 'introspect')
    expect((await strict({ authorization: `Bearer ${tokens.accessToken}` })).status).toBe(401)
    const malformed = await get({ authorization: 'Basic b3JkZXJzOnNlY3JldA==' })
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('answers 503 with Retry-After when sessiond cannot be reached, never passing the request', async () => {
    const { tokens } = await registerAndLogin(world.app)
    for (const mode of ['stream', 'introspect'] as const) {
      const get = await protect('http://127.0.0.1:1', mode)
      const res = await get({ authorization: `Bearer ${tokens.accessToken}` })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('5')
      expect(await res.json()).toMatchObject({ error: 'unavailable' })
    }
  })
})
