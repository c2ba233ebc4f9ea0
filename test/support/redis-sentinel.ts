import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pause } from './failover.js'
import { freePort } from './process.js'
import { askRedis as ask } from './failover.js'
import { onClose } from './resources.js'
import { startTcpRelay, type TcpRelay } from './tcp-relay.js'

export const SENTINEL_MASTER_NAME = 'sessiond'

interface Node {
  port: number
  child: ChildProcess | null
}


async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => null)
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await pause(100)
  }
}

/**
 * A Redis master, two replicas and three sentinels (quorum 2), each a real process on a spare
 * loopback port, stopped when the test file ends. The sentinels and replicas reach the master
 * through a pausable relay (`masterLink`), so a test can cut the master off from them while clients,
 * which map the relay's address back to the master's own (`natMap`), still reach it: a split brain.
 */
export async function startSentinelGroup() {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-sentinel-'))
  const master: Node = { port: await freePort(), child: null }
  const replicas: Node[] = [{ port: await freePort(), child: null }, { port: await freePort(), child: null }]
  const sentinels: Node[] = []
  const children: ChildProcess[] = []
  let masterLink: TcpRelay | null = null
  onClose(children, async (all) => {
    for (const child of all) if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const run = (command: string, args: string[]) => {
    const child = spawn(command, args, { stdio: 'ignore' })
    children.push(child)
    return child
  }
  const redisArgs = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]

  master.child = run('redis-server', redisArgs(master.port))
  await until('the master', () => ask(master.port, (c) => c.ping()), 10_000)
  masterLink = await startTcpRelay(`127.0.0.1:${master.port}`)
  for (const replica of replicas) {
    replica.child = run('redis-server', [...redisArgs(replica.port), '--replicaof', '127.0.0.1', String(masterLink.port)])
  }
  for (const replica of replicas) {
    await until('a replica in sync', () => ask(replica.port, async (c) => /master_link_status:up/.test(await c.info('replication'))), 15_000)
  }
  for (let i = 0; i < 3; i += 1) {
    const port = await freePort()
    const file = join(dir, `sentinel-${port}.conf`)
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterLink.port} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 5000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
        '',
      ].join('\n'),
    )
    sentinels.push({ port, child: run('redis-sentinel', [file]) })
  }
  // A failover needs every sentinel to know both replicas and the other sentinels first.
  for (const sentinel of sentinels) {
    await until(
      'the sentinels to list both replicas and each other',
      () =>
        ask(sentinel.port, async (c) => {
          const known = (await c.call('SENTINEL', 'REPLICAS', SENTINEL_MASTER_NAME)) as unknown[]
          const peers = (await c.call('SENTINEL', 'SENTINELS', SENTINEL_MASTER_NAME)) as unknown[]
          return known.length === 2 && peers.length === 2
        }),
      30_000,
    )
  }

  const group = {
    sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    /** For REDIS_SENTINELS. */
    sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    /** The relay's address, as the sentinels announce the first master, mapped to the master itself. */
    natMap: { [`127.0.0.1:${masterLink.port}`]: { host: '127.0.0.1', port: master.port } },
    masterLink,
    /** The port of the node the sentinels currently name master (the first master's own port, not its relay's). */
    async currentMasterPort(): Promise<number> {
      const [, port] = (await ask(sentinels[0]!.port, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME))) as [string, string]
      return Number(port) === masterLink!.port ? master.port : Number(port)
    },
    firstMasterPort: master.port,
    /** Waits until every sentinel names a master other than the first, and that master accepts writes. */
    async waitForFailover(timeoutMs = 20_000): Promise<number> {
      const port = await until(
        'a failover',
        async () => {
          const ports = await Promise.all(
            sentinels.map(async (s) => Number(((await ask(s.port, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME))) as string[])[1])),
          )
          return ports.every((p) => p === ports[0] && p !== masterLink!.port) ? ports[0] : null
        },
        timeoutMs,
      )
      await until('the new master to take writes', () => ask(port, async (c) => /role:master/.test(await c.info('replication'))), timeoutMs)
      return port
    },
    /** SIGKILLs the node on `port` (the first master, or a replica). */
    kill(port: number) {
      const node = [master, ...replicas].find((n) => n.port === port)
      node?.child?.kill('SIGKILL')
    },
    /** Runs one question against the node on `port`. */
    ask,
  }
  return group
}

export type SentinelGroup = Awaited<ReturnType<typeof startSentinelGroup>>
