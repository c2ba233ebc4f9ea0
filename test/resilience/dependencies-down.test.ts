import { createServer, type AddressInfo, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { buildTestApp, call, introspect, redisDenylist, registerAndLogin } from '../support/app.js'
import { startOwnRedis } from '../support/redis-server.js'
import { openPostgres } from '../../src/stores/db.js'
import { onClose } from '../support/resources.js'

describe('GET /healthz and /readyz', () => {
  it('are 200 while Postgres and Redis answer', async () => {
    const { app } = await buildTestApp()
    expect((await call(app, 'GET', '/healthz')).status).toBe(200)
    const ready = await call(app, 'GET', '/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } })
  })

  it('/readyz names redis when it is down, without host names or error text; /healthz stays 200', async () => {
    const redis = await startOwnRedis()
    const { app } = await buildTestApp({ denylist: await redisDenylist(redis.url) })
    await redis.stop()
    const ready = await call(app, 'GET', '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body).toMatchObject({ error: 'unavailable', details: { checks: { postgres: 'ok', redis: 'down' } } })
    expect(ready.headers.get('retry-after')).toBe('5')
    expect(JSON.stringify(ready.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|port/i)
    expect((await call(app, 'GET', '/healthz')).status).toBe(200)
  })
})

describe('Postgres down', () => {
  // A port nobody listens on: connections are refused at once, as when the database is stopped.
  const deadDatabase = () => onClose(openPostgres({ url: 'postgres://postgres@127.0.0.1:1/none', timeoutMs: 1000 }), (db) => db.close())

  it('login, register and /me answer 503 unavailable with Retry-After, quickly', async () => {
    const healthy = await buildTestApp()
    const { tokens, email, password } = await registerAndLogin(healthy.app)
    const { app } = await buildTestApp({ database: deadDatabase() })
    const started = performance.now()
    for (const res of [
      await call(app, 'POST', '/login', { json: { email, password } }),
      await call(app, 'POST', '/register', { json: { email: `x${email}`, password } }),
      await call(app, 'GET', '/me', { bearer: tokens.accessToken }),
      await call(app, 'POST', '/logout', { bearer: tokens.accessToken }),
    ]) {
      expect(res.status).toBe(503)
      expect(res.body).toEqual({ error: 'unavailable', message: expect.any(String) })
      expect(res.headers.get('retry-after')).toBe('5')
    }
    expect(performance.now() - started).toBeLessThan(10_000)
    const ready = await call(app, 'GET', '/readyz')
    expect(ready.body.details.checks).toEqual({ postgres: 'down', redis: 'ok' })
  })

  it('a Postgres that accepts connections but never answers: 503 within the timeout, not a hang', async () => {
    // A black hole: the TCP handshake succeeds, then silence (a wedged server or a dropped route).
    const sockets: Socket[] = []
    const hole = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve))
    onClose(hole, (server) => {
      for (const socket of sockets) socket.destroy()
      server.close()
    })
    const port = (hole.address() as AddressInfo).port
    const database = onClose(openPostgres({ url: `postgres://postgres@127.0.0.1:${port}/none`, timeoutMs: 1000 }), (db) => db.close())
    const { app } = await buildTestApp({ database, env: { DEPENDENCY_TIMEOUT: '1s' } })
    const started = performance.now()
    const res = await call(app, 'POST', '/login', { json: { email: 'someone@example.test', password: 'whatever whatever' } })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    const ready = await call(app, 'GET', '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body.details.checks.postgres).toBe('down')
    expect(performance.now() - started).toBeLessThan(8_000)
  })

  it('introspection keeps answering from Redis while Postgres is down', async () => {
    const healthy = await buildTestApp()
    const { tokens } = await registerAndLogin(healthy.app)
    const { app } = await buildTestApp({ database: deadDatabase() })
    expect((await introspect(app, tokens.accessToken)).body.active).toBe(true)
  })

  it('with Redis and Postgres both down, introspection is 503, never active', async () => {
    const healthy = await buildTestApp()
    const { tokens } = await registerAndLogin(healthy.app)
    const redis = await startOwnRedis()
    const { app } = await buildTestApp({ database: deadDatabase(), denylist: await redisDenylist(redis.url) })
    await redis.stop()
    const res = await introspect(app, tokens.accessToken)
    expect(res.status).toBe(503)
    expect(res.body.error).toBe('unavailable')
  })
})
