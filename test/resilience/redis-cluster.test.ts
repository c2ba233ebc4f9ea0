import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { call, introspect, type TestApp } from '../support/app.js'
import { instanceFrom, loginSessions, logoutsThrough, retryUntilAcknowledged } from '../support/failover.js'
import { startRedisCluster, type RedisClusterNodes } from '../support/redis-cluster.js'
import { eventually } from '../support/eventually.js'

const cluster = await startRedisCluster()

/** One sessiond instance on the cluster, configured the way an operator would (REDIS_CLUSTER_NODES). */
function instance(nodes: RedisClusterNodes, prefix: string): Promise<TestApp> {
  return instanceFrom({ REDIS_CLUSTER_NODES: nodes.nodeList, REDIS_KEY_PREFIX: prefix })
}

/** The members of the list on one node (a replica is asked with READONLY). */
const members = (port: number, key: string) => cluster.ask(port, async (c) => (await c.call('READONLY'), c.zrange(key, '0', '-1')))

describe('on a six-node Redis Cluster', () => {
  it('a revocation is on the slot’s master and its replica when it answers 204; after FLUSHALL the ledger answers and the list is rebuilt', async () => {
    const prefix = `cl${randomUUID().slice(0, 8)}:`
    const key = `${prefix}{denylist}:revoked`
    const apps = [await instance(cluster, prefix), await instance(cluster, prefix)]
    const [kept, ended] = await loginSessions(apps[0]!.app, 2)
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
    const list = await loginSessions(apps[0]!.app, 16)
    const owners = await cluster.slotOwners(key)
    cluster.kill(owners.master)
    const failover = cluster.waitForFailover(key, owners.master)
    const statuses = await logoutsThrough(apps, list, 150)
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
