import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import type { ClientReader } from '../http/client.js'
import { connectionIpKey } from '../http/connection-ip-key.js'
import type { AppEnv } from '../http/app-env.js'
import { MAX_BODY_BYTES, readBodyText } from '../http/body.js'
import type { IntrospectionClientCheck } from '../http/middleware/require-introspection-client.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { IntrospectionService } from '../services/introspection.js'
import type { FailureLimiter } from '../services/rate-limits.js'
import { introspectionInput } from './introspect-input.js'

export interface FastPathDeps {
  introspection: IntrospectionService
  clientCheck: IntrospectionClientCheck
  /** Failed client authentications per IP: a locked address is left to the general chain (429). */
  badClients: FailureLimiter
  client: ClientReader
  metrics: Metrics
  logger: Logger
  /** The app's one error renderer, for an introspection that failed (a dependency down). */
  renderError: (c: Context<AppEnv>, error: unknown) => Response
}

const ROUTE = '/introspect'
const FORM = 'application/x-www-form-urlencoded'
const JSON_TYPE = 'application/json'
const JSON_UTF8 = 'application/json; charset=utf-8'

/**
 * POST /introspect, answered before the general middleware chain when the request is the ordinary
 * one a backend sends: the canonical path, no Origin (so no CORS), a form or JSON body of declared
 * size, a client credential that passes, an address not locked out, a well-formed `token`. Anything
 * else calls `next()` and the general chain answers it exactly as before (errors, 401s and their
 * rate-limit counting, 400 details, 413, CORS): this path only ever answers 200s and dependency
 * failures, with the same headers, metrics and access-log line as the chain would write.
 *
 * What it saves (see the README's benchmark section): the per-request AsyncLocalStorage scope and
 * logger child, ten middleware, prom-client label hashing, zod, and Hono's Headers object.
 */
export function introspectFastPath(deps: FastPathDeps): MiddlewareHandler<AppEnv> {
  const { introspection, clientCheck, badClients, metrics, logger } = deps
  const ipKey = connectionIpKey(deps.client)
  // Label sets bound once: prom-client otherwise hashes the label object on every call.
  const duration = metrics.httpDuration.labels({ route: ROUTE, method: 'POST' })
  const counted = new Map<number, { inc: () => void }>()
  const countStatus = (status: number) => {
    let counter = counted.get(status)
    if (!counter) counted.set(status, (counter = metrics.httpRequests.labels({ route: ROUTE, method: 'POST', status: String(status) })))
    counter.inc()
  }

  return async (c, next) => {
    if (c.req.method !== 'POST' || !isPlainTarget(c)) return next()
    const started = performance.now()
    const type = plainMediaType(c.req.header('content-type'))
    const length = c.req.header('content-length')
    if (type === null || length === undefined || !(Number(length) <= MAX_BODY_BYTES) || c.req.header('origin') !== undefined) return next()
    const clientId = clientCheck.authenticate(c.req.header('authorization'))
    if (clientId === null) return next()
    // The same local-only lock check the general chain makes before it checks a credential.
    if ((await badClients.blockedForMs(ipKey(c), { localOnly: true })) > 0) return next()
    const token = introspectionInput(type, await readBodyText(c))
    if (token === null) return next() // the general chain answers 400 with its details

    const incoming = c.req.header('x-request-id')
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID()
    c.set('requestId', requestId)
    c.set('introspectionClientId', clientId)
    let response: Response
    try {
      response = new Response(JSON.stringify(await introspection.introspect(token)), {
        status: 200,
        headers: { 'content-type': JSON_UTF8, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-request-id': requestId },
      })
    } catch (error) {
      response = renderFailure(c, error, requestId)
    }
    const ms = performance.now() - started
    duration.observe(ms / 1000)
    countStatus(response.status)
    // The access-log line the general chain writes, without a child logger per request.
    if (logger.isLevelEnabled('info')) logger.info({ reqId: requestId, method: 'POST', path: ROUTE, status: response.status, ms: Math.round(ms) }, 'request')
    return response
  }

  /** A failed introspection (a dependency down): the app's renderer, with the chain's headers. */
  function renderFailure(c: Context<AppEnv>, error: unknown, requestId: string): Response {
    c.set('log', logger.child({ reqId: requestId }))
    c.header('X-Request-Id', requestId)
    c.header('Cache-Control', 'no-store')
    c.header('X-Content-Type-Options', 'nosniff')
    const response = deps.renderError(c, error)
    if (response.headers.get('Content-Type') === JSON_TYPE) response.headers.set('Content-Type', JSON_UTF8)
    return response
  }
}

/** The request target exactly "/introspect": no query, nothing a canonical-path check would judge. */
function isPlainTarget(c: Context): boolean {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  return incoming ? incoming.url === ROUTE : c.req.path === ROUTE && !c.req.url.includes('?')
}

/** Form or JSON, spelled as clients send them; any other spelling goes the general way. */
function plainMediaType(header: string | undefined): 'form' | 'json' | null {
  if (header === undefined) return null
  const type = header.split(';', 1)[0]!.trim().toLowerCase()
  if (type === FORM) return 'form'
  return type === JSON_TYPE ? 'json' : null
}
