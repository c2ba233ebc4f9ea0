import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './process.js'
import { askRedis as ask, pause } from './failover.js'
import { onClose } from './resources.js'

const run = promisify(execFile)

/**
 * A six-node Redis Cluster (three masters, one replica each) of real processes on spare loopback
 * ports, with a short node timeout so a failover takes seconds; stopped when the test file ends.
 */
export async function startRedisCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-cluster-'))
  const ports: number[] = []
  for (let i = 0; i < 6; i += 1) ports.push(await freePort())
  const children = new Map<number, ChildProcess>()
  onClose(children, async (all) => {
    for (const child of all.values()) if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const start = (port: number) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '1000')
    children.set(port, spawn('redis-server', args, { stdio: 'ignore' }))
  }
  for (const port of ports) start(port)
  for (const port of ports) {
    for (let attempt = 0; attempt < 100 && !(await ask(port, (c) => c.ping()).catch(() => null)); attempt += 1) await pause(50)
  }
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 })
  const clusterOk = async () => (await Promise.all(ports.map((p) => ask(p, (c) => c.call('CLUSTER', 'INFO')).catch(() => '')))).every((info) => /cluster_state:ok/.test(String(info)))
  // Replicas attach after the slots are assigned: wait until every master has one in sync.
  const replicated = async () => {
    const ranges = (await ask(ports[0]!, (c) => c.call('CLUSTER', 'SLOTS')).catch(() => [])) as [number, number, ...[string, number][]][]
    if (ranges.length === 0 || ranges.some((range) => range.length < 4)) return false
    const replicaPorts = ranges.map((range) => Number(range[3]![1]))
    const links = await Promise.all(replicaPorts.map((p) => ask(p, (c) => c.info('replication')).catch(() => '')))
    return links.every((info) => /master_link_status:up/.test(info))
  }
  for (let attempt = 0; attempt < 300 && !((await clusterOk()) && (await replicated())); attempt += 1) await pause(100)
  if (!((await clusterOk()) && (await replicated()))) throw new Error('the cluster did not reach cluster_state:ok with a replica per master')

  /** The master and replica ports serving `key`'s slot, as the nodes themselves say. */
  async function slotOwners(key: string): Promise<{ master: number; replicas: number[] }> {
    for (const port of ports) {
      const slots = (await ask(port, async (c) => {
        const slot = Number(await c.call('CLUSTER', 'KEYSLOT', key))
        const ranges = (await c.call('CLUSTER', 'SLOTS')) as [number, number, ...[string, number][]][]
        return ranges.find(([from, to]) => slot >= from && slot <= to)
      }).catch(() => undefined)) as [number, number, ...[string, number][]] | undefined
      if (slots) {
        const [, , master, ...replicas] = slots
        return { master: Number(master![1]), replicas: replicas.map((r) => Number(r[1])) }
      }
    }
    throw new Error('no node answered CLUSTER SLOTS')
  }

  return {
    ports,
    /** For REDIS_CLUSTER_NODES. */
    nodeList: ports.map((p) => `127.0.0.1:${p}`).join(','),
    slotOwners,
    kill(port: number) {
      children.get(port)?.kill('SIGKILL')
    },
    /** Starts a killed node again with its nodes.conf: it rejoins as a replica of whoever took its slots. */
    restart(port: number) {
      start(port)
    },
    /** Waits until `key`'s slot is served by a master other than `formerMaster` and has a replica in sync. */
    async waitForFailover(key: string, formerMaster: number, timeoutMs = 20_000): Promise<number> {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const owners = await slotOwners(key).catch(() => null)
        if (owners && owners.master !== formerMaster) return owners.master
        await pause(100)
      }
      throw new Error('the cluster did not fail over')
    },
    ask,
  }
}

export type RedisClusterNodes = Awaited<ReturnType<typeof startRedisCluster>>
