import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { openDenylist } from '../../src/stores/open.js'
import { call, introspect, type TestApp } from '../support/app.js'
import { instanceFrom, loginSessions, logoutsThrough, pause, retryUntilAcknowledged } from '../support/failover.js'
import { SENTINEL_MASTER_NAME, startSentinelGroup, type SentinelGroup } from '../support/redis-sentinel.js'
import { onClose } from '../support/resources.js'
import { startOwnRedis } from '../support/redis-server.js'

/** One sessiond instance on the group, configured the way an operator would (REDIS_SENTINELS). */
function instance(group: SentinelGroup, prefix: string): Promise<TestApp> {
  return instanceFrom({ REDIS_SENTINELS: group.sentinelList, REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME, REDIS_KEY_PREFIX: prefix }, { natMap: group.natMap })
}

/**
 * Writes revocations straight to a denylist (no ledger behind it, so no reconcile can put back what a
 * failover lost) until `stop()`; returns the ids whose write was acknowledged.
 */
async function probeWrites(group: SentinelGroup, prefix: string) {
  const config = loadConfig({ REDIS_SENTINELS: group.sentinelList, REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME, REDIS_KEY_PREFIX: prefix })
  const { denylist } = await openDenylist(config, createLogger('silent'), systemClock, { natMap: group.natMap })
  onClose(denylist, (list) => list.close())
  const acknowledged: string[] = []
  let refused = 0
  let stopped = false
  const running = (async () => {
    const until = Date.now() + 60_000
    while (!stopped && Date.now() < until) {
      const id = `probe-${randomUUID()}`
      await denylist.revoke(id, 600_000).then(() => acknowledged.push(id), () => (refused += 1))
      await pause(20)
    }
  })()
  return {
    async stop() {
      stopped = true
      await running
      return { acknowledged, refused }
    },
  }
}

/** The denylist's members on the node at `port`: what survived there. */
async function listOn(group: SentinelGroup, port: number, prefix: string): Promise<string[]> {
  return group.ask(port, (client) => client.zrange(`${prefix}{denylist}:revoked`, '0', '-1'))
}

async function replicationId(group: SentinelGroup, port: number): Promise<string> {
  return group.ask(port, async (client) => /master_replid:(\w+)/.exec(await client.info('replication'))![1]!)
}

describe('REDIS_WAIT_REPLICAS: a revocation no replica acknowledged is not reported done', () => {
  it('a master without its replica answers logout 503 + Retry-After; the ledger holds it; a retry after the replica is back answers 204', async () => {
    const master = await startOwnRedis(['--dir', tmpdir()])
    const env = { REDIS_URL: master.url, REDIS_WAIT_REPLICAS: '1', REDIS_KEY_PREFIX: `nr${randomUUID().slice(0, 8)}:` }
    const { app } = await instanceFrom(env)
    const [session] = await loginSessions(app, 1)
    const started = performance.now()
    const refused = await call(app, 'POST', '/logout', { json: { refreshToken: session!.refreshToken } })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBeTruthy()
    expect(performance.now() - started).toBeLessThan(2000)
    expect((await introspect(app, session!.accessToken)).body).toEqual({ active: false })

    await startOwnRedis(['--replicaof', '127.0.0.1', String(master.port), '--dir', tmpdir()])
    await retryUntilAcknowledged(app, session!.refreshToken)
  }, 30_000)
})

describe('Redis Sentinel failover: no acknowledged revocation is lost', () => {
  it('split brain (the master cut from its replicas and sentinels, not from clients): writes it cannot replicate are refused (503), every acknowledged write survives on the new master', async () => {
    const group = await startSentinelGroup()
    const prefix = `sb${randomUUID().slice(0, 8)}:`
    const apps = [await instance(group, prefix), await instance(group, prefix)]
    const list = await loginSessions(apps[0]!.app, 30)
    expect(await logoutsThrough(apps, list.slice(0, 3), 0)).toEqual([204, 204, 204])
    const firstHistory = await replicationId(group, group.firstMasterPort)
    expect(await listOn(group, group.firstMasterPort, prefix)).toContain(`~replid:${firstHistory}`)

    group.masterLink.pause()
    const failover = group.waitForFailover()
    const probes = await probeWrites(group, prefix)
    const during = await logoutsThrough(apps, list.slice(3), 150)
    const newMaster = await failover
    await pause(500)
    const { acknowledged, refused } = await probes.stop()
    // Before the old master is back: every acknowledged write is on the new master already.
    const promoted = await listOn(group, newMaster, prefix)
    expect(refused).toBeGreaterThan(0)
    expect(acknowledged.filter((id) => !promoted.includes(id))).toEqual([])
    group.masterLink.resume()
    // Writes the isolated master took but could not replicate were refused; after the failover they succeed.
    // Refused while no replica could acknowledge them; once one could, they succeed (retries below).
    expect(during).toContain(503)

    for (const [i, status] of during.entries()) if (status === 503) await retryUntilAcknowledged(apps[i % 2]!.app, list[3 + i]!.refreshToken)
    const survived = await listOn(group, newMaster, prefix)
    for (const session of list) {
      expect(survived).toContain(session.id)
      for (const { app } of apps) expect((await introspect(app, session.accessToken)).body).toEqual({ active: false })
    }
    // The new master started a new replication history; the next reconcile distrusts the old stamp and rebuilds.
    const newHistory = await replicationId(group, newMaster)
    expect(newHistory).not.toBe(firstHistory)
    await apps[0]!.services.revocation.reconcile()
    await apps[0]!.services.revocation.reconcile()
    const marked = await listOn(group, newMaster, prefix)
    expect(marked).toEqual(expect.arrayContaining(['~complete', `~replid:${newHistory}`]))
    expect(marked).not.toContain(`~replid:${firstHistory}`)
  }, 90_000)

  it('master crash (SIGKILL): logouts answer 204 or 503 + Retry-After, never hang, and every 204 is on the promoted replica', async () => {
    const group = await startSentinelGroup()
    const prefix = `mc${randomUUID().slice(0, 8)}:`
    const apps = [await instance(group, prefix), await instance(group, prefix)]
    const list = await loginSessions(apps[0]!.app, 24)
    expect(await logoutsThrough(apps, list.slice(0, 4), 0)).toEqual([204, 204, 204, 204])

    group.kill(await group.currentMasterPort())
    const failover = group.waitForFailover()
    const during = await logoutsThrough(apps, list.slice(4), 150)
    const newMaster = await failover
    // Refused while no replica could acknowledge them; once one could, they succeed (retries below).
    expect(during).toContain(503)

    for (const [i, status] of during.entries()) if (status === 503) await retryUntilAcknowledged(apps[i % 2]!.app, list[4 + i]!.refreshToken)
    const survived = await listOn(group, newMaster, prefix)
    for (const session of list) {
      expect(survived).toContain(session.id)
      for (const { app } of apps) expect((await introspect(app, session.accessToken)).body).toEqual({ active: false })
    }
    for (const { app } of apps) expect((await call(app, 'GET', '/readyz')).status).toBe(200)
  }, 90_000)
})
