import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, runService, waitForListening } from './support/process.js'
import { INTROSPECTION_CLIENT, STRONG_PASSWORD, basicAuth } from './support/app.js'
import { openRevocationStream } from './support/sse.js'

const dataDir = mkdtempSync(join(tmpdir(), 'sessiond-embedded-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

async function startEmbedded() {
  const port = await freePort()
  const service = runService({
    PORT: String(port),
    DATA_DIR: dataDir,
    INTROSPECTION_CLIENTS: `${INTROSPECTION_CLIENT.id}:${INTROSPECTION_CLIENT.secret}`,
  })
  await waitForListening(service)
  const base = `http://127.0.0.1:${port}`
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    return { status: res.status, body: res.status === 204 ? null : await res.json() }
  }
  const introspect = async (token: string) => (await post('/introspect', { token }, { authorization: basicAuth() })).body
  const stop = async () => {
    service.child.kill('SIGTERM')
    return service.exited
  }
  return { service, base, post, introspect, stop }
}

describe('embedded mode (no DATABASE_URL, no REDIS_URL, no JWT_PRIVATE_KEY)', () => {
  it('runs on PGlite under DATA_DIR with a generated key, and forgets nothing across a restart', async () => {
    const first = await startEmbedded()
    expect(first.service.output()).toMatch(/embedded mode/)
    expect(first.service.output()).toContain(join(dataDir, 'pglite'))
    const keyFile = join(dataDir, 'jwt-ed25519.pem')
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)

    const email = `embedded-${Date.now()}@example.test`
    expect((await first.post('/register', { email, password: STRONG_PASSWORD })).status).toBe(201)
    const kept = (await first.post('/login', { email, password: STRONG_PASSWORD })).body
    const revoked = (await first.post('/login', { email, password: STRONG_PASSWORD })).body
    expect(kept.session.ip).toBe('127.0.0.1')
    expect((await first.post('/logout', { refreshToken: revoked.refreshToken })).status).toBe(204)
    expect(await first.introspect(revoked.accessToken)).toEqual({ active: false })
    const jwks = await (await fetch(`${first.base}/.well-known/jwks.json`)).json()
    // Readiness names what embedded mode really uses: no Redis is claimed.
    expect(await (await fetch(`${first.base}/readyz`)).json()).toEqual({ status: 'ready', checks: { pglite: 'ok', inProcessDenylist: 'ok' } })
    expect(await first.stop()).toBe(0)

    const second = await startEmbedded()
    // The same key (same kid), the same users, and the revocation rebuilt into the new in-process denylist.
    expect(await (await fetch(`${second.base}/.well-known/jwks.json`)).json()).toEqual(jwks)
    expect((await second.post('/login', { email, password: STRONG_PASSWORD })).status).toBe(200)
    expect(await second.introspect(revoked.accessToken)).toEqual({ active: false })
    expect((await second.introspect(kept.accessToken)).active).toBe(true)
    expect(await second.stop()).toBe(0)
  }, 90_000)
})

describe('the revocation stream in embedded mode', () => {
  it('streams a snapshot, heartbeats and a logout from the PGlite ledger', async () => {
    const service = await startEmbedded()
    const stream = await openRevocationStream(service.base)
    expect(stream.status).toBe(200)
    await stream.next((event) => event.type === 'snapshot')
    const email = `embedded-stream-${Date.now()}@example.test`
    expect((await service.post('/register', { email, password: STRONG_PASSWORD })).status).toBe(201)
    const login = (await service.post('/login', { email, password: STRONG_PASSWORD })).body
    expect((await service.post('/logout', { refreshToken: login.refreshToken })).status).toBe(204)
    const revoked = await stream.next((event) => event.type === 'revoked' && event.data.sid === login.session.id)
    expect(revoked.data.reason).toBe('logout')
    await stream.next((event) => event.type === 'heartbeat' && event.data.seq >= revoked.data.seq, { from: stream.events.indexOf(revoked) })
    // SIGTERM closes the open stream rather than waiting for the drain deadline.
    expect(await service.stop()).toBe(0)
  }, 60_000)
})

describe('start-up refuses a bad setting with one line naming the variable', () => {
  it.each([
    [{ ACCESS_TOKEN_TTL: '15 minutes' }, 'ACCESS_TOKEN_TTL'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY'],
    [{ INTROSPECTION_CLIENTS: 'svc:tooshort' }, 'INTROSPECTION_CLIENTS'],
    [{ DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:5432/x' }, 'JWT_PRIVATE_KEY'],
    [{ JWT_PRIVATE_KEY: 'not a key', DATA_DIR: '/tmp' }, 'JWT_PRIVATE_KEY'],
    [{ SESSION_LIMIT_POLICY: 'random' }, 'SESSION_LIMIT_POLICY'],
    [{ GEOIP_DB: '/nonexistent/city.mmdb' }, 'GEOIP_DB'],
    [{ SESSION_RETENTION: '30m' }, 'SESSION_RETENTION'],
    [{ DATABASE_URL: 'mysql://u:hunter2@host/db', JWT_PRIVATE_KEY: 'x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'redis://:hunter2@127.0.0.1:6379', REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: '127.0.0.1:26379' }, 'REDIS_SENTINEL_NAME'],
    [{ DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:6432/x?prepare=false', DATABASE_PREPARE: 'true', JWT_PRIVATE_KEY: 'x' }, 'DATABASE_PREPARE'],
    [{ STREAM_HEARTBEAT: '2 seconds' }, 'STREAM_HEARTBEAT'],
    [{ STREAM_HEARTBEAT: '5m' }, 'STREAM_HEARTBEAT'],
  ])('%j', async (env, variable) => {
    const service = runService({ DATA_DIR: dataDir, ...env } as Record<string, string>)
    expect(await service.exited).toBe(1)
    const lines = service.output().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^sessiond: invalid configuration: ${variable}: `))
    expect(lines[0]).not.toContain('hunter2')
  })
})
