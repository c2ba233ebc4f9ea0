import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { Logger } from './logger.js'
import { apply, forget, type Knowledge, type StreamMessage } from './rule.js'

export interface StreamOptions {
  /** sessiond's base URL. */
  url: string
  /** `Basic …` for the introspection client. */
  authorization: string
  knowledge: Knowledge
  /** With no heartbeat for this long the connection is taken as stalled and opened again. */
  stallMs: number
  /** Revocations older than this are forgotten (their tokens are asked about instead). */
  forgetAfterMs: number
  onKeysChanged: () => void
  logger: Logger
  fetch: typeof fetch
  /** Longest wait between reconnection attempts. */
  maxBackoffMs?: number
}

export interface RevocationSubscriber {
  /** The seq of the last event applied (what a reconnection resumes after), or null before the first. */
  readonly cursor: number | null
  /** Open connections so far (1 after the first; each reconnection adds one). */
  readonly connections: number
  close(): void
}

/**
 * Follows GET /revocations/stream into `knowledge`: applies each event in order, resumes after a drop
 * with Last-Event-ID (the server sends a snapshot when it cannot), reconnects with capped backoff, and
 * treats a connection that brings no heartbeat for `stallMs` (a stalled proxy) as dropped.
 */
export function subscribeToRevocations(options: StreamOptions): RevocationSubscriber {
  const { knowledge, logger } = options
  const maxBackoffMs = options.maxBackoffMs ?? 5000
  let cursor: number | null = null
  let connections = 0
  let closed = false
  let current: AbortController | null = null
  let wakeSleeper: (() => void) | null = null

  function onMessage(message: EventSourceMessage, restartWatchdog: () => void): void {
    const parsed = parse(message)
    if (!parsed) return
    apply(knowledge, parsed, Date.now())
    cursor = parsed.seq
    if (parsed.type === 'keys_changed') options.onKeysChanged()
    if (parsed.type === 'heartbeat' || parsed.type === 'snapshot') {
      restartWatchdog()
      forget(knowledge, Date.now() - options.forgetAfterMs)
    }
  }

  async function connectOnce(): Promise<boolean> {
    const abort = new AbortController()
    current = abort
    let watchdog: ReturnType<typeof setTimeout> | null = null
    const restartWatchdog = () => {
      if (watchdog) clearTimeout(watchdog)
      watchdog = setTimeout(() => abort.abort(new Error('stalled')), options.stallMs)
    }
    restartWatchdog()
    let gotEvent = false
    try {
      const headers: Record<string, string> = { authorization: options.authorization, accept: 'text/event-stream' }
      if (cursor !== null) headers['last-event-id'] = String(cursor)
      const response = await options.fetch(new URL('/revocations/stream', options.url), { headers, signal: abort.signal })
      if (response.status === 401) logger.error('sessiond refused the revocation stream: check clientId and clientSecret')
      if (!response.ok || !response.body) {
        await response.body?.cancel().catch(() => {})
        return false
      }
      connections += 1
      const parser = createParser({
        onEvent: (message) => {
          gotEvent = true
          onMessage(message, restartWatchdog)
        },
      })
      const decoder = new TextDecoder()
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }))
    } catch (error) {
      if (!closed) logger.warn(`revocation stream interrupted (${(error as Error).message}); reconnecting`)
    } finally {
      if (watchdog) clearTimeout(watchdog)
      abort.abort()
    }
    return gotEvent
  }

  async function sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      wakeSleeper = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    wakeSleeper = null
  }

  void (async () => {
    let backoffMs = 100
    while (!closed) {
      const healthy = await connectOnce()
      if (closed) break
      backoffMs = healthy ? 100 : Math.min(maxBackoffMs, backoffMs * 2)
      // Jitter: a thousand verifiers dropped at once do not come back at once.
      await sleep(backoffMs * (0.5 + Math.random()))
    }
  })()

  return {
    get cursor() {
      return cursor
    },
    get connections() {
      return connections
    },
    close() {
      closed = true
      current?.abort()
      wakeSleeper?.()
    },
  }
}

/** One SSE message as a StreamMessage, or null for anything we do not know (ignored, as SSE intends). */
function parse(message: EventSourceMessage): StreamMessage | null {
  let data: Record<string, unknown>
  try {
    data = JSON.parse(message.data) as Record<string, unknown>
  } catch {
    return null
  }
  const seq = Number(data.seq)
  if (!Number.isSafeInteger(seq)) return null
  const time = (value: unknown) => Date.parse(String(value))
  // A revocation is never dropped for a bad time (it is kept as of now); a heartbeat with one is ignored.
  const revokedAt = (value: unknown) => (Number.isFinite(time(value)) ? time(value) : Date.now())
  switch (message.event) {
    case 'revoked':
      return { type: 'revoked', seq, sid: String(data.sid), revokedAt: revokedAt(data.revokedAt) }
    case 'revoked_all':
      return { type: 'revoked_all', seq, before: revokedAt(data.before) }
    case 'keys_changed':
      return { type: 'keys_changed', seq }
    case 'heartbeat':
      return Number.isFinite(time(data.serverTime)) ? { type: 'heartbeat', seq, serverTime: time(data.serverTime) } : null
    case 'snapshot': {
      const revoked = Array.isArray(data.revoked) ? (data.revoked as Record<string, unknown>[]) : []
      return {
        type: 'snapshot',
        seq,
        // A snapshot with a bad time still counts for its revocations, but vouches for nothing.
        serverTime: Number.isFinite(time(data.serverTime)) ? time(data.serverTime) : Number.NEGATIVE_INFINITY,
        revoked: revoked.map((entry) => ({ sid: String(entry.sid), revokedAt: revokedAt(entry.revokedAt) })),
        revokedAllBefore: data.revokedAllBefore ? revokedAt(data.revokedAllBefore) : null,
      }
    }
    default:
      return null
  }
}
