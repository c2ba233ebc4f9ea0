import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { IntrospectionClient } from '../../config.js'
import { AppError } from '../../errors.js'
import type { AppEnv } from '../app-env.js'
import { secretDigest } from '../secrets.js'

/**
 * How many distinct Authorization values that already passed the full check are remembered. Each
 * configured client normally sends one spelling; the bound only stops variants (spacing, case of
 * "Basic") from growing the map without end. Beyond it, the full check simply runs every time.
 */
const VERIFIED_HEADERS_MAX = 256

export interface IntrospectionClientCheck {
  /** The client id a `Authorization: Basic …` value authenticates, or null. */
  authenticate(authorization: string | undefined): string | null
}

/**
 * HTTP Basic `client_id:client_secret` against INTROSPECTION_CLIENTS. The first time a header value
 * is seen it is compared against every client in constant time; a value that passed is remembered by
 * its SHA-256 digest, so later calls pay one hash and a map lookup. A lookup keyed by a digest reveals
 * nothing about the secret through timing (the caller cannot choose the digest's bytes), and failures
 * are never remembered: a wrong secret always takes the full comparison.
 */
export function createIntrospectionClientCheck(clients: IntrospectionClient[]): IntrospectionClientCheck {
  // Digests of the configured credentials, once: the hot path hashes only what was presented.
  const known = clients.map((client) => ({ id: client.id, idDigest: secretDigest(client.id), secretDigest: secretDigest(client.secret) }))
  const verified = new Map<string, string>()

  function fullCheck(authorization: string): string | null {
    const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(authorization)
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : ''
    const colon = decoded.indexOf(':')
    // RFC 6749 §2.3.1: id and secret are form-urlencoded inside Basic.
    const id = safeDecode(decoded.slice(0, Math.max(colon, 0)))
    const secret = safeDecode(decoded.slice(colon + 1))
    // Compare against every client, both parts, so timing reveals neither which id exists nor where it failed.
    const idDigest = secretDigest(id)
    const presentedSecret = secretDigest(secret)
    let matched: string | null = null
    for (const client of known) {
      const idOk = timingSafeEqual(idDigest, client.idDigest)
      const secretOk = timingSafeEqual(presentedSecret, client.secretDigest)
      if (idOk && secretOk && colon > 0) matched = client.id
    }
    return matched
  }

  return {
    authenticate(authorization) {
      const header = authorization ?? ''
      const digest = createHash('sha256').update(header).digest('base64')
      const remembered = verified.get(digest)
      if (remembered !== undefined) return remembered
      const matched = fullCheck(header)
      if (matched !== null && verified.size < VERIFIED_HEADERS_MAX) verified.set(digest, matched)
      return matched
    },
  }
}

/** The middleware form of the check: 401 invalid_client unless the request names a configured client. */
export function requireIntrospectionClient(check: IntrospectionClientCheck): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const matched = check.authenticate(c.req.header('authorization'))
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
