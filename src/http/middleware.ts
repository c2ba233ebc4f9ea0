import { randomUUID } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { timingSafeEqual, createHash } from 'node:crypto'
import { AppError } from '../errors.js'
import { runWithRequestLogger } from '../request-context.js'
import type { Logger } from '../logger.js'
import type { IntrospectionClient } from '../config.js'
import type { SessionRow } from '../stores/schema.js'
import type { Auth } from '../services/sessions.js'
import type { ClientInfo } from '../client-info.js'
import { mediaType } from './validate.js'

export type AppEnv = {
  Variables: {
    requestId: string
    log: Logger
    auth: Auth
    session: SessionRow
    client: ClientInfo
    clientIp: string | null
    introspectionClientId: string
    /** Fingerprint of the admin key that authenticated the request (never the key). */
    adminKey: string
  }
}

/** A request id per request (a sane incoming X-Request-Id is kept), and a child logger carrying it. */
export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id')
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID()
    c.set('requestId', requestId)
    const log = logger.child({ reqId: requestId })
    c.set('log', log)
    c.header('X-Request-Id', requestId)
    const started = performance.now()
    // Services reach this logger through request-context.ts: their lines carry the request id too.
    await runWithRequestLogger(log, next)
    // Path only: never the query string, headers or body, which may carry secrets.
    c.var.log.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    )
  }
}

const JSON_UTF8 = 'application/json; charset=utf-8'

/**
 * Nothing may be cached unless a route says otherwise (routes may override Cache-Control), and JSON
 * bodies carry the charset the contract names. Error responses pass through here too.
 */
export const defaultHeaders: MiddlewareHandler = async (c, next) => {
  c.header('Cache-Control', 'no-store')
  c.header('X-Content-Type-Options', 'nosniff')
  await next()
  // c.json() always writes a bare "application/json", so the charset is added afterwards.
  if (c.res.headers.get('Content-Type') === 'application/json') c.res.headers.set('Content-Type', JSON_UTF8)
}

function hasBody(c: Context): boolean {
  const length = c.req.header('content-length')
  if (length !== undefined) return Number(length) > 0
  return c.req.header('transfer-encoding') !== undefined || c.req.header('content-type') !== undefined
}

/**
 * Only JSON bodies (and form bodies where a route allows them). Browsers cannot send JSON cross-site
 * without a CORS preflight, so this also keeps any web page from posting to us.
 */
export function requireMediaType(allowFormOn: (path: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && hasBody(c)) {
      const type = mediaType(c)
      const allowed = type === 'application/json' || (type === 'application/x-www-form-urlencoded' && allowFormOn(c.req.path))
      if (!allowed) throw new AppError('unsupported_media_type')
    }
    await next()
  }
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * The bearer token of the request: null when none was sent (another scheme counts as none);
 * 400 when the Authorization header claims Bearer but is malformed (RFC 6750 §3.1).
 */
export function bearerToken(c: Context): string | null {
  const header = c.req.header('authorization')
  if (header === undefined || !/^Bearer\b/i.test(header.trim())) return null
  const match = BEARER.exec(header.trim())
  if (!match) {
    throw new AppError('invalid_request', { message: 'The Authorization header must be "Bearer <token>".' })
  }
  return match[1]!
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/** Constant-time equality of two secrets of any length (both sides are hashed to equal length first). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

/** HTTP Basic `client_id:client_secret` from INTROSPECTION_CLIENTS, compared in constant time. */
export function requireIntrospectionClient(clients: IntrospectionClient[]): MiddlewareHandler<AppEnv> {
  // Digests of the configured credentials, once: the hot path hashes only what was presented.
  const known = clients.map((client) => ({ id: client.id, idDigest: digest(client.id), secretDigest: digest(client.secret) }))
  return async (c, next) => {
    const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(c.req.header('authorization') ?? '')
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : ''
    const colon = decoded.indexOf(':')
    // RFC 6749 §2.3.1: id and secret are form-urlencoded inside Basic.
    const id = safeDecode(decoded.slice(0, Math.max(colon, 0)))
    const secret = safeDecode(decoded.slice(colon + 1))
    // Compare against every client, both parts, so timing reveals neither which id exists nor where it failed.
    const idDigest = digest(id)
    const secretDigest = digest(secret)
    let matched: string | null = null
    for (const client of known) {
      const idOk = timingSafeEqual(idDigest, client.idDigest)
      const secretOk = timingSafeEqual(secretDigest, client.secretDigest)
      if (idOk && secretOk && colon > 0) matched = client.id
    }
    if (!matched) throw new AppError('invalid_client')
    c.set('introspectionClientId', matched)
    await next()
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return value
  }
}
