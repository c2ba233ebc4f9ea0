import { describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { buildTestApp, call, introspect, redisDenylist, registerAndLogin, testRedisPrefix } from '../support/app.js'
import { startOwnRedis } from '../support/redis-server.js'
import { onClose } from '../support/resources.js'
import { eventually } from '../support/eventually.js'

/** Two instances sharing Postgres and a private Redis that the test may flush, stop and restart. */
async function deployment() {
  const redis = await startOwnRedis()
  const a = await buildTestApp({ denylist: await redisDenylist(redis.url) })
  const b = await buildTestApp({ denylist: await redisDenylist(redis.url) })
  const inspect = onClose(new Redis(redis.url), (client) => client.disconnect())
  inspect.on('error', () => {})
  const revokedKeyExists = async (sessionId: string) => (await inspect.zscore(`${testRedisPrefix()}{denylist}:revoked`, sessionId)) !== null
  return { redis, a, b, revokedKeyExists }
}


describe('revocation survives Redis', () => {
  it('after FLUSHALL, revoked sessions stay revoked on every instance and the list is rebuilt from the ledger', async () => {
    const { redis, a, b, revokedKeyExists } = await deployment()
    const revoked = await registerAndLogin(a.app)
    const alive = await registerAndLogin(a.app)
    expect((await call(a.app, 'POST', '/logout', { bearer: revoked.tokens.accessToken })).status).toBe(204)
    expect(await revokedKeyExists(revoked.tokens.session.id)).toBe(true)

    await redis.flush()
    // The completeness marker went with the flush, so nobody trusts the empty list.
    expect((await introspect(b.app, revoked.tokens.accessToken)).body).toEqual({ active: false })
    expect((await introspect(a.app, revoked.tokens.accessToken)).body).toEqual({ active: false })
    expect((await introspect(b.app, alive.tokens.accessToken)).body.active).toBe(true)
    // The lookup that noticed the loss started a rebuild; afterwards Redis holds the revocation again.
    await eventually(() => revokedKeyExists(revoked.tokens.session.id))
    await eventually(async () => (await b.denylist.isComplete()) && (await a.denylist.check(revoked.tokens.session.id)) === 'revoked')
  })

  it('after a restart (a Redis that keeps nothing), the same holds', async () => {
    const { redis, a, b, revokedKeyExists } = await deployment()
    const revoked = await registerAndLogin(a.app)
    await call(a.app, 'POST', '/logout', { bearer: revoked.tokens.accessToken })
    await redis.stop()
    await redis.start()
    await eventually(async () => (await call(b.app, 'GET', '/readyz')).status === 200)
    expect((await introspect(b.app, revoked.tokens.accessToken)).body).toEqual({ active: false })
    await eventually(() => revokedKeyExists(revoked.tokens.session.id))
  })

  it('while Redis is down: introspection answers from the ledger, /readyz names redis, logout is 503 but holds', async () => {
    const { redis, a, b, revokedKeyExists } = await deployment()
    const before = await registerAndLogin(a.app)
    const during = await registerAndLogin(a.app)
    const alive = await registerAndLogin(a.app)
    await call(a.app, 'POST', '/logout', { bearer: before.tokens.accessToken })
    await redis.stop()

    expect((await introspect(b.app, before.tokens.accessToken)).body).toEqual({ active: false })
    expect((await introspect(b.app, alive.tokens.accessToken)).body.active).toBe(true)
    const ready = await call(b.app, 'GET', '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body.details.checks.redis).toBe('down')

    // The ledger takes the logout; the answer is 503 because other instances cannot see it via Redis yet.
    const logout = await call(a.app, 'POST', '/logout', { bearer: during.tokens.accessToken })
    expect(logout.status).toBe(503)
    expect(logout.headers.get('retry-after')).toBe('5')
    expect((await introspect(b.app, during.tokens.accessToken)).body).toEqual({ active: false })
    const refresh = await call(b.app, 'POST', '/refresh', { json: { refreshToken: during.tokens.refreshToken } })
    expect(refresh.body).toMatchObject({ error: 'session_revoked', reason: 'logout' })

    // Redis comes back: the reconcile rebuilds the list, including what was revoked while it was away.
    await redis.start()
    await eventually(async () => {
      await a.services.revocation.reconcile()
      return revokedKeyExists(during.tokens.session.id)
    })
    expect(await revokedKeyExists(before.tokens.session.id)).toBe(true)
    expect((await introspect(b.app, during.tokens.accessToken)).body).toEqual({ active: false })
    expect((await introspect(b.app, alive.tokens.accessToken)).body.active).toBe(true)
    expect((await call(b.app, 'GET', '/readyz')).status).toBe(200)
  })

  it('a retried logout after the 503 answers 204 once Redis is back', async () => {
    const { redis, a } = await deployment()
    const { tokens } = await registerAndLogin(a.app)
    await redis.stop()
    expect((await call(a.app, 'POST', '/logout', { bearer: tokens.accessToken })).status).toBe(503)
    await redis.start()
    await eventually(async () => (await call(a.app, 'POST', '/logout', { bearer: tokens.accessToken })).status === 204)
  })
  it('a revocation whose Redis write timed out reaches Redis later, though Redis kept its data', async () => {
    const { redis, a, b, revokedKeyExists } = await deployment()
    const { tokens } = await registerAndLogin(a.app)
    const admin = onClose(new Redis(redis.url), (client) => client.disconnect())
    // Redis stalls writes (as under a long fork or failover) but keeps its data and its marker.
    await admin.client('PAUSE', 1500, 'WRITE')
    expect((await call(a.app, 'POST', '/logout', { bearer: tokens.accessToken })).status).toBe(503)
    await new Promise((resolve) => setTimeout(resolve, 1600))
    expect(await b.denylist.isComplete()).toBe(true)
    // Meanwhile introspection stays correct: b's next reconcile (or a's) fills the gap from the ledger.
    await b.services.revocation.reconcile()
    expect(await revokedKeyExists(tokens.session.id)).toBe(true)
    expect((await introspect(b.app, tokens.accessToken)).body).toEqual({ active: false })
  })

  it('a Redis that stops answering (paused) costs a short timeout, then the ledger answers correctly', async () => {
    const { redis, a } = await deployment()
    const revoked = await registerAndLogin(a.app)
    const alive = await registerAndLogin(a.app)
    await call(a.app, 'POST', '/logout', { bearer: revoked.tokens.accessToken })
    const admin = onClose(new Redis(redis.url), (client) => client.disconnect())
    await admin.client('PAUSE', 2000, 'ALL')
    const started = performance.now()
    expect((await introspect(a.app, revoked.tokens.accessToken)).body).toEqual({ active: false })
    expect((await introspect(a.app, alive.tokens.accessToken)).body.active).toBe(true)
    // Two lookups, each bounded by the Redis command timeout (300 ms in tests), not by the pause.
    expect(performance.now() - started).toBeLessThan(1_500)
  })

  it('an evicted denylist goes whole: a revoked token stays inactive on every instance, and the list is rebuilt', async () => {
    // A Redis that evicts any key under memory pressure, as a shared cache often is configured.
    const redis = await startOwnRedis(['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-random'])
    const a = await buildTestApp({ denylist: await redisDenylist(redis.url) })
    const b = await buildTestApp({ denylist: await redisDenylist(redis.url) })
    const inspect = onClose(new Redis(redis.url), (client) => client.disconnect())
    const listKey = `${testRedisPrefix()}{denylist}:revoked`
    const revoked = await registerAndLogin(a.app)
    const alive = await registerAndLogin(a.app)
    expect((await call(a.app, 'POST', '/logout', { bearer: revoked.tokens.accessToken })).status).toBe(204)
    expect((await introspect(b.app, revoked.tokens.accessToken)).body).toEqual({ active: false })

    // Fill memory until Redis evicts the denylist (bounded: 4 MB takes a few hundred 16 KB values).
    const filler = 'x'.repeat(16_384)
    for (let i = 0; i < 5_000 && (await inspect.exists(listKey)) === 1; i += 1) await inspect.set(`filler:${i}`, filler)
    expect(await inspect.exists(listKey)).toBe(0)

    for (const instance of [a, b]) {
      expect((await introspect(instance.app, revoked.tokens.accessToken)).body).toEqual({ active: false })
      expect((await introspect(instance.app, alive.tokens.accessToken)).body.active).toBe(true)
    }
    // A revocation written after the eviction recreates the set without its marker: still untrusted.
    await inspect.flushall()
    const later = await registerAndLogin(a.app)
    await call(a.app, 'POST', '/logout', { bearer: later.tokens.accessToken })
    expect(await b.denylist.check(revoked.tokens.session.id)).not.toBe('not_revoked')
    await eventually(async () => {
      await b.services.revocation.reconcile()
      return (await b.denylist.check(revoked.tokens.session.id)) === 'revoked'
    })
  })

  it('/readyz stays ready but warns when Redis may evict the denylist', async () => {
    const { redis, a } = await deployment()
    expect((await call(a.app, 'GET', '/readyz')).body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } })
    const admin = onClose(new Redis(redis.url), (client) => client.disconnect())
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru')
    const ready = await call(a.app, 'GET', '/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body.warnings).toEqual([expect.stringMatching(/maxmemory-policy is allkeys-lru.*noeviction/)])
  })
})
