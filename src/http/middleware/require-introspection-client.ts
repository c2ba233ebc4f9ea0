import { timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { IntrospectionClient } from '../../config.js'
import { AppError } from '../../errors.js'
import type { AppEnv } from '../app-env.js'
import { secretDigest } from '../secrets.js'

/** HTTP Basic `client_id:client_secret` from INTROSPECTION_CLIENTS, compared in constant time. */
export function requireIntrospectionClient(clients: IntrospectionClient[]): MiddlewareHandler<AppEnv> {
  // Digests of the configured credentials, once: the hot path hashes only what was presented.
  const known = clients.map((client) => ({ id: client.id, idDigest: secretDigest(client.id), secretDigest: secretDigest(client.secret) }))
  return async (c, next) => {
    const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(c.req.header('authorization') ?? '')
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
