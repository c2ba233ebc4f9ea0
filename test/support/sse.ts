import { createParser } from 'eventsource-parser'
import { basicAuth } from './app.js'
import { streamEventProblems } from './openapi.js'
import { onClose } from './resources.js'

export interface StreamEvent {
  type: string
  id: string | undefined
  data: any
  /** Date.now() when it arrived. */
  receivedAt: number
}

export interface OpenStream {
  status: number
  headers: Headers
  /** Every event received so far, in order (each checked against openapi.yaml). */
  events: StreamEvent[]
  /** Waits (bounded) for the first event after index `from` that matches. */
  next(match: (event: StreamEvent) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<StreamEvent>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  close(): void
}

/** Opens GET /revocations/stream over the network and parses it as a verifier would. */
export async function openRevocationStream(base: string, options: { lastEventId?: string; authorization?: string } = {}): Promise<OpenStream> {
  const abort = new AbortController()
  const headers: Record<string, string> = { authorization: options.authorization ?? basicAuth() }
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId
  const response = await fetch(`${base}/revocations/stream`, { headers, signal: abort.signal })
  const events: StreamEvent[] = []
  const problems: string[] = []
  const waiters = new Set<() => void>()
  const parser = createParser({
    onEvent(message) {
      const data = JSON.parse(message.data)
      problems.push(...streamEventProblems(message.event ?? 'message', data))
      events.push({ type: message.event ?? 'message', id: message.id, data, receivedAt: Date.now() })
      for (const wake of waiters) wake()
    },
  })
  let ended: Promise<void> = Promise.resolve()
  if (response.ok && response.body) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    ended = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          parser.feed(value)
        }
      } catch {
        /* aborted */
      } finally {
        for (const wake of waiters) wake()
      }
    })()
  }
  let finished = false
  void ended.then(() => (finished = true))
  const stream: OpenStream = {
    status: response.status,
    headers: response.headers,
    events,
    ended,
    async next(match, { from = 0, timeoutMs = 10_000 } = {}) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        if (problems.length > 0) throw new Error(`stream event does not match openapi.yaml: ${problems.join('; ')}`)
        const found = events.slice(from).find(match)
        if (found) return found
        if (finished) throw new Error(`stream ended; events: ${JSON.stringify(events.map((e) => e.type))}`)
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => [e.type, e.id]))}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(left, 250))
          function done() {
            clearTimeout(timer)
            waiters.delete(done)
            resolve()
          }
          waiters.add(done)
        })
      }
    },
    close: () => abort.abort(),
  }
  if (!response.ok) stream.close()
  return onClose(stream, (s) => s.close())
}
