import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { onClose } from './resources.js'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** A private redis-server on a spare port that a test may stop, restart and flush for real. */
export async function startOwnRedis(extraArgs: string[] = []) {
  const port = await freePort()
  let child: ChildProcess | null = null

  async function waitUntil(up: boolean) {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
      probe.on('error', () => {})
      const answering = await probe.connect().then(() => probe.ping()).then(() => true, () => false)
      probe.disconnect()
      if (answering === up) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`redis on ${port} did not become ${up ? 'ready' : 'stopped'}`)
  }

  const server = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: 'ignore' })
      await waitUntil(true)
    },
    async stop() {
      child?.kill('SIGKILL')
      child = null
      await waitUntil(false)
    },
    async flush() {
      const client = new Redis(port, '127.0.0.1')
      await client.flushall()
      client.disconnect()
    },
  }
  await server.start()
  return onClose(server, (s) => s.stop())
}
