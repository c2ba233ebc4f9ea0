import { Hono } from 'hono'
import { AppError } from '../errors.js'
import type { ClientReader } from '../http/client.js'
import type { AppEnv } from '../http/app-env.js'
import { limitFailedAuthPerIp } from '../http/middleware/rate-limit.js'
import { requireIntrospectionClient, type IntrospectionClientCheck } from '../http/middleware/require-introspection-client.js'
import { eventStreamBody } from '../http/sse.js'
import type { Services } from '../services/index.js'
import type { Subscription } from '../services/revocation-stream.js'

/** `Last-Event-ID`: a seq we sent (digits), or none. Anything else is a client bug worth a clear 400. */
function parseCursor(header: string | undefined): number | null {
  if (header === undefined || header.trim() === '') return null
  if (!/^\d{1,15}$/.test(header.trim())) throw new AppError('invalid_request', { details: [{ path: ['Last-Event-ID'], message: 'expected a sequence number' }] })
  return Number(header.trim())
}

/** The revocation stream for services that verify tokens offline: the same clients and failure limit as /introspect. */
export function revocationRoutes({ revocationStream, limits }: Pick<Services, 'revocationStream' | 'limits'>, clients: IntrospectionClientCheck, client: ClientReader) {
  const limitBadClients = limitFailedAuthPerIp(limits.clientPerIp, client, { localOnly: true })
  return new Hono<AppEnv>().get('/revocations/stream', limitBadClients, requireIntrospectionClient(clients), async (c) => {
    const cursor = parseCursor(c.req.header('last-event-id'))
    let subscription: Subscription | null = null
    let cancelled = false
    const { body, sink } = eventStreamBody(() => {
      cancelled = true
      subscription?.unsubscribe()
    })
    // Subscribing reads the ledger first: when it is down this throws and the answer is a 503.
    const subscribed = await revocationStream.subscribe(cursor, sink)
    subscription = subscribed
    if (cancelled) subscribed.unsubscribe()
    return new Response(body, {
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        // Proxies such as nginx would otherwise buffer the stream and hold heartbeats back.
        'X-Accel-Buffering': 'no',
        // The connection ends with the stream: a client reconnecting after a shutdown must not reuse it.
        Connection: 'close',
      },
    })
  })
}
