import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { openDenylist } from '../../src/stores/open.js'
import { buildTestApp, call, introspect, registerAndLogin, type TestApp } from '../support/app.js'
import { startRedisCluster, type RedisClusterNodes } from '../support/redis-cluster.js'
import { onClose } from '../support/resources.js'
import { eventually } from '../support/eventually.js'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const cluster = await startRedisCluster()

/** One sessiond instance on the cluster, configured the way an operator would (REDIS_CLUSTER_NODES). */
async function instance(nodes: RedisClusterNodes, prefix: string): Promise<TestApp> {
  const env = { REDIS_URL: '', REDIS_CLUSTER_NODES: nodes.nodeList, REDIS_KEY_PREFIX: prefix }
  const config = loadConfig(env)
  expect(config.redisWaitReplicas).toBe(1)
  const { denylist, redis } = await openDenylist(config, createLogger('silent'), systemClock)
  onClose(denylist, (list) => list.close())
  return buildTestApp({ denylist, redis, env })
}

async function sessions(app: TestApp['app'], count: number) {
  const { email, password } = await registerAndLogin(app)
  const out: { id: string; accessToken: string; refreshToken: string }[] = []
  for (let i = 0; i < count; i += 1) {
    const login = await call(app, 'POST', '/login', { json: { email, password } })
    expect(login.status).toBe(200)
    out.push({ id: login.body.session.id, accessToken: login.body.accessToken, refreshToken: login.body.refreshToken })
  }
  return out
}

/** The members of the list on one node (a replica is asked with READONLY). */
const members = (port: number, key: string) => cluster.ask(port, async (c) => (await c.call('READONLY'), c.zrange(key, '0', '-1')))

async function retryUntilAcknowledged(app: TestApp['app'], refreshToken: string) {
  for (let attempt = 0; attempt < 75; attempt += 1) {
    const res = await call(app, 'POST', '/logout', { json: { refreshToken } })
    if (res.status === 204) return
    expect(res.status).toBe(503)
    await pause(200)
  }
  throw new Error('logout never acknowledged')
}

describe('on a six-node Redis Cluster', () => {
  it('a revocation is on the slot’s master and its replica when it answers 204; after FLUSHALL the ledger answers and the list is rebuilt', async () => {
    const prefix = `cl${randomUUID().slice(0, 8)}:`
    const key = `${prefix}{denylist}:revoked`
    const apps = [await instance(cluster, prefix), await instance(cluster, prefix)]
    const [kept, ended] = await sessions(apps[0]!.app, 2)
    expect((await call(apps[1]!.app, 'POST', '/logout', { json: { refreshToken: ended!.refreshToken } })).status).toBe(204)
    const owners = await cluster.slotOwners(key)
    expect(await members(owners.master, key)).toContain(ended!.id)
    expect(await members(owners.replicas[0]!, key)).toContain(ended!.id)
    for (const { app } of apps) {
      expect((await introspect(app, ended!.accessToken)).body).toEqual({ active: false })
      expect((await introspect(app, kept!.accessToken)).body.active).toBe(true)
    }

    await cluster.ask(owners.master, (c) => c.flushall())
    for (const { app } of apps) expect((await introspect(app, ended!.accessToken)).body).toEqual({ active: false })
    // Both instances may rebuild at once (one wins); reconcile until the marker is back.
    await eventually(async () => {
      await apps[0]!.services.revocation.reconcile()
      const now = await members(owners.master, key)
      return now.includes(ended!.id) && now.includes('~complete')
    })
    expect((await call(apps[0]!.app, 'GET', '/readyz')).status).toBe(200)
  }, 60_000)

  it('the slot’s master crashes (SIGKILL): logouts answer 204 or 503 + Retry-After, and every 204 is on the promoted replica', async () => {
    const prefix = `cf${randomUUID().slice(0, 8)}:`
    const key = `${prefix}{denylist}:revoked`
    const apps = [await instance(cluster, prefix), await instance(cluster, prefix)]
    const list = await sessions(apps[0]!.app, 16)
    const owners = await cluster.slotOwners(key)
    cluster.kill(owners.master)
    const failover = cluster.waitForFailover(key, owners.master)
    const statuses: number[] = []
    for (const [i, session] of list.entries()) {
      const started = performance.now()
      const res = await call(apps[i % 2]!.app, 'POST', '/logout', { json: { refreshToken: session.refreshToken } })
      expect(performance.now() - started).toBeLessThan(3000)
      expect([204, 503]).toContain(res.status)
      if (res.status === 503) expect(res.headers.get('retry-after')).toBeTruthy()
      statuses.push(res.status)
      await pause(150)
    }
    const promoted = await failover
    const acknowledged = list.filter((_, i) => statuses[i] === 204).map((session) => session.id)
    const survived = await members(promoted, key)
    expect(acknowledged.filter((id) => !survived.includes(id))).toEqual([])
    // With one replica per master, the promoted one has none until the crashed node rejoins: until
    // then no write can be acknowledged and revocations answer 503 (the ledger has them).
    cluster.restart(owners.master)
    for (const [i, status] of statuses.entries()) if (status === 503) await retryUntilAcknowledged(apps[i % 2]!.app, list[i]!.refreshToken)
    for (const session of list) for (const { app } of apps) expect((await introspect(app, session.accessToken)).body).toEqual({ active: false })
  }, 90_000)
})
