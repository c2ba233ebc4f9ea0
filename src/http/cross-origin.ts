import type { Context, MiddlewareHandler } from 'hono'
import { AppError } from '../errors.js'

/**
 * Cross-origin protection for requests a browser may send on its own (cookie-authenticated ones,
 * cookie-mode login, the hosted pages' forms): the rule of Go 1.25's `net/http.CrossOriginProtection`.
 *
 * - GET, HEAD and OPTIONS are always allowed (they never change state).
 * - `Sec-Fetch-Site: same-origin` or `none` → allowed.
 * - any other `Sec-Fetch-Site` → allowed only when `Origin` is one of BROWSER_ORIGINS.
 * - no `Sec-Fetch-Site` (an older browser, or not a browser) → allowed when there is no `Origin`
 *   either, when `Origin` is sessiond's own origin (PUBLIC_URL's; without it, an Origin whose host
 *   is the request's Host, as Go compares it), or when it is one of BROWSER_ORIGINS.
 * - everything else is denied.
 *
 * Header values are compared as Go does: `Sec-Fetch-Site` and `Origin` exactly (browsers send them
 * in lower case); an empty header counts as absent.
 */
export interface CrossOriginRequest {
  method: string
  secFetchSite?: string | null
  origin?: string | null
  /** The request's Host header (`host[:port]`). */
  host?: string | null
  /** PUBLIC_URL's origin, or null. */
  publicOrigin: string | null
  browserOrigins: readonly string[]
}

export type CrossOriginVerdict = 'allow' | 'deny'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function crossOriginVerdict(request: CrossOriginRequest): CrossOriginVerdict {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return 'allow'
  const site = request.secFetchSite || null
  const origin = request.origin || null
  const trusted = origin !== null && request.browserOrigins.includes(origin)

  if (site !== null) {
    if (site === 'same-origin' || site === 'none') return 'allow'
    return trusted ? 'allow' : 'deny'
  }
  // Neither header: same-origin from a browser too old to say, or not a browser at all.
  if (origin === null) return 'allow'
  if (trusted) return 'allow'
  return isOwnOrigin(origin, request) ? 'allow' : 'deny'
}

function isOwnOrigin(origin: string, request: CrossOriginRequest): boolean {
  if (request.publicOrigin !== null) return origin === request.publicOrigin
  // Go: url.Parse(Origin).Host == r.Host. The Host header has no scheme, so http→https is not told apart.
  const host = request.host || null
  if (host === null) return false
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    return false // "null" and other opaque origins
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false
  // URL lower-cases the host and drops a default port; compare the Host header the same way.
  return parsed.host === normaliseHost(host, parsed.protocol)
}

function normaliseHost(host: string, protocol: string): string {
  try {
    return new URL(`${protocol}//${host}`).host
  } catch {
    return host.toLowerCase()
  }
}

export interface CrossOriginOptions {
  publicOrigin: string | null
  browserOrigins: readonly string[]
  /** Which requests are judged (e.g. cookie-authenticated ones, cookie-mode login, page forms). */
  appliesTo: (c: Context) => boolean
}

/** The request's Host: the header where there is one (Node), else the URL's (app.request in tests). */
export function requestHost(c: Context): string {
  return c.req.header('host') ?? new URL(c.req.url).host
}

/**
 * Denies, before any handler runs, a request `appliesTo` selects that the rule refuses:
 * `403 cross_origin_request`, nothing changed.
 */
export function protectCrossOrigin(options: CrossOriginOptions): MiddlewareHandler {
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method.toUpperCase()) && options.appliesTo(c)) {
      const verdict = crossOriginVerdict({
        method: c.req.method,
        secFetchSite: c.req.header('sec-fetch-site'),
        origin: c.req.header('origin'),
        host: requestHost(c),
        publicOrigin: options.publicOrigin,
        browserOrigins: options.browserOrigins,
      })
      if (verdict === 'deny') throw new AppError('cross_origin_request')
    }
    await next()
  }
}

export const CORS_ALLOW_HEADERS = 'content-type, authorization, sessiond-transport'

export interface BrowserCorsOptions {
  browserOrigins: readonly string[]
  /** The methods the route at `path` answers (empty: no such route). */
  allowedMethods: (path: string) => readonly string[]
}

/**
 * Credentialed CORS for BROWSER_ORIGINS only. A preflight (OPTIONS with
 * Access-Control-Request-Method) from a listed origin to a known route is answered 204 here; any
 * other origin gets no CORS headers at all (its preflight falls through to the route's usual answer).
 * Actual requests from a listed origin get Allow-Origin, Allow-Credentials and Vary: Origin, errors
 * included.
 */
export function browserCors(options: BrowserCorsOptions): MiddlewareHandler {
  const listed = new Set(options.browserOrigins)
  return async (c, next) => {
    const origin = c.req.header('origin')
    if (origin === undefined || !listed.has(origin)) return next()

    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) {
      const methods = options.allowedMethods(c.req.path)
      if (methods.length > 0) {
        return c.body(null, 204, {
          'Access-Control-Allow-Origin': origin,
          'Access-Control-Allow-Credentials': 'true',
          'Access-Control-Allow-Methods': methods.join(', '),
          'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
          Vary: 'Origin',
        })
      }
      return next()
    }

    await next()
    try {
      setCorsHeaders(c.res.headers, origin)
    } catch {
      // Immutable headers (a Response.redirect() or a fetched Response): answer a copy.
      c.res = new Response(c.res.body, c.res)
      setCorsHeaders(c.res.headers, origin)
    }
  }
}

function setCorsHeaders(headers: Headers, origin: string): void {
  headers.set('Access-Control-Allow-Origin', origin)
  headers.set('Access-Control-Allow-Credentials', 'true')
  appendVary(headers, 'Origin')
}

function appendVary(headers: Headers, value: string): void {
  const current = headers.get('Vary')
  if (!current) return headers.set('Vary', value)
  const parts = current.split(',').map((part) => part.trim().toLowerCase())
  if (!parts.includes(value.toLowerCase()) && !parts.includes('*')) headers.set('Vary', `${current}, ${value}`)
}
