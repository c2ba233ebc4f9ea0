import { Hono } from 'hono'
import type { AppEnv } from '../http/app-env.js'
import type { KeySet } from '../services/keys.js'

/** The JWKS document (`jwks`): public keys only; the signing key never reaches the HTTP side. */
export function wellKnownRoutes(jwks: KeySet['jwks']) {
  return new Hono<AppEnv>().get('/.well-known/jwks.json', (c) => {
    // Public keys may be cached briefly; rotation keeps the previous key published meanwhile.
    c.header('Cache-Control', 'public, max-age=300')
    return c.json(jwks)
  })
}
