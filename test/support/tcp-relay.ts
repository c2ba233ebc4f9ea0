import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { onClose } from './resources.js'

export interface TcpRelay {
  /** The loopback port the relay listens on. */
  port: number
  /** `url` with its host and port replaced by the relay's (credentials, database and query kept). */
  urlFor(url: string): string
  /**
   * Stops forwarding in both directions without closing anything, as a partition or a frozen server
   * does: sockets stay open, writes are accepted (the kernel buffers them), nothing comes back.
   * Connections accepted while paused are held the same way.
   */
  pause(): void
  /** Forwards again, including whatever was held (and any close that happened meanwhile). */
  resume(): void
  /** Drops every open connection at once (new ones are accepted), as a restarted proxy does. */
  cut(): void
  /** Connections (client side) currently open through the relay. */
  readonly openConnections: number
  /** Ids (1, 2, … in accept order) of the connections currently open. */
  openIds(): number[]
  close(): Promise<void>
}

/**
 * A TCP relay to `target` ("host:port" or a URL) that a test can pause. Registered for closing at
 * the end of the test file.
 */
export async function startTcpRelay(target: string): Promise<TcpRelay> {
  const parsed = target.includes('://') ? new URL(target) : new URL(`tcp://${target}`)
  const host = parsed.hostname
  const port = Number(parsed.port)
  const pairs = new Map<[Socket, Socket], number>()
  let paused = false
  let accepted = 0

  const server = createServer((client) => {
    const upstream = connect(port, host)
    const pair: [Socket, Socket] = [client, upstream]
    pairs.set(pair, ++accepted)
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('data', (chunk) => to.write(chunk))
      from.on('end', () => to.end())
      from.on('error', () => {})
      from.on('close', () => {
        to.destroy()
        pairs.delete(pair)
      })
    }
    if (paused) for (const socket of pair) socket.pause()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const listening = (server.address() as AddressInfo).port

  const relay: TcpRelay = {
    port: listening,
    urlFor(url) {
      const rewritten = new URL(url)
      rewritten.hostname = '127.0.0.1'
      rewritten.port = String(listening)
      return rewritten.toString()
    },
    pause() {
      paused = true
      // A paused socket reads nothing more: no 'data' (so nothing is written on), no 'end'.
      for (const pair of pairs.keys()) for (const socket of pair) socket.pause()
    },
    resume() {
      paused = false
      for (const pair of pairs.keys()) for (const socket of pair) socket.resume()
    },
    cut() {
      for (const pair of pairs.keys()) for (const socket of pair) socket.destroy()
    },
    get openConnections() {
      return pairs.size
    },
    openIds() {
      return [...pairs.values()]
    },
    async close() {
      for (const pair of pairs.keys()) for (const socket of pair) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  return onClose(relay, (r) => r.close())
}
