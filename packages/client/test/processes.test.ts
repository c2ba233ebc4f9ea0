import { inject } from 'vitest'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../src/clock.js'
import { createVerifier } from '../src/index.js'
import { buildTestApp, call, INTROSPECTION_CLIENT, isolatedDatabase, listen, registerAndLogin, STRONG_PASSWORD, TEST_PRIVATE_KEY, testRedisPrefix, uniqueEmail } from '../../../test/support/app.js'
import { eventually } from '../../../test/support/eventually.js'
import { freePort, runService, waitForListening } from '../../../test/support/process.js'
import { onClose } from '../../../test/support/resources.js'

const silent = { info() {}, warn() {}, error() {} }

describe('the example service (examples/orders-api)', () => {
  it('runs as its own process: 401 without a token, 200 with one, 401 within a heartbeat of the logout', async () => {
    const world = await buildTestApp({ database: await isolatedDatabase(), clock: systemClock, env: { STREAM_HEARTBEAT: '200ms' } })
    const sessiondUrl = await listen(world.app)
    const port = await freePort()
    const service = runService(
      {
        PORT: String(port),
        SESSIOND_URL: sessiondUrl,
        SESSIOND_CLIENT_ID: INTROSPECTION_CLIENT.id,
        SESSIOND_CLIENT_SECRET: INTROSPECTION_CLIENT.secret,
      },
      ['--conditions=sessiond-source', 'examples/orders-api/server.ts'],
    )
    await waitForListening(service, 30_000, 'orders-api listening')
    const mine = (token?: string) => fetch(`http://127.0.0.1:${port}/orders/mine`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    expect((await mine()).status).toBe(401)
    const { tokens, user } = await registerAndLogin(world.app)
    const ok = await mine(tokens.accessToken)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ user: user.id, orders: [] })
    await call(world.app, 'POST', '/logout', { bearer: tokens.accessToken })
    const loggedOutAt = Date.now()
    await eventually(async () => (await mine(tokens.accessToken)).status === 401, 5000)
    // The default maxStaleness is 5 s; with 200 ms heartbeats the stream brings it far sooner.
    expect(Date.now() - loggedOutAt).toBeLessThan(5000)
  }, 60_000)
})

describe('a verifier across a sessiond restart', () => {
  it('reconnects to the restarted process, resumes, and sees a revocation made after the restart offline', async () => {
    const database = await isolatedDatabase()
    const port = await freePort()
    const env = {
      PORT: String(port),
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: testRedisPrefix(),
      JWT_PRIVATE_KEY: TEST_PRIVATE_KEY,
      INTROSPECTION_CLIENTS: `${INTROSPECTION_CLIENT.id}:${INTROSPECTION_CLIENT.secret}`,
      STREAM_HEARTBEAT: '200ms',
    }
    const base = `http://127.0.0.1:${port}`
    const first = runService(env)
    await waitForListening(first)
    const verifier = onClose(
      createVerifier({ url: base, clientId: INTROSPECTION_CLIENT.id, clientSecret: INTROSPECTION_CLIENT.secret, audience: 'sessiond', maxStalenessMs: 1000, logger: silent }),
      (v) => v.close(),
    )
    expect(await verifier.ready(5000)).toBe(true)
    const post = (path: string, body?: unknown, bearer?: string) =>
      fetch(base + path, {
        method: 'POST',
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      })
    const email = uniqueEmail()
    expect((await post('/register', { email, password: STRONG_PASSWORD })).status).toBe(201)
    const { accessToken } = (await (await post('/login', { email, password: STRONG_PASSWORD })).json()) as { accessToken: string }
    expect(await verifier.verify(accessToken)).toMatchObject({ active: true, via: 'offline' })

    // SIGTERM with a stream open: the stream is closed, the drain is not held, exit 0.
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    const second = runService(env)
    await waitForListening(second)
    expect((await post('/logout', undefined, accessToken)).status).toBe(204)
    await eventually(async () => {
      const verdict = await verifier.verify(accessToken).catch(() => null)
      return verdict?.active === false && verdict.via === 'offline'
    }, 10_000)
  }, 60_000)
})
