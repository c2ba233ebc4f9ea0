import type { Clock } from '../clock.js'
import type { IntrospectionResult } from '../metrics.js'
import type { RevocationService } from './revocation.js'
import type { AccessClaims, TokenService } from './tokens.js'

export type IntrospectionAnswer =
  | { active: false }
  | {
      active: true
      sub: string
      sid: string
      exp: number
      iat: number
      iss: string
      aud: string
      token_type: 'access_token'
    }

export interface IntrospectionDeps {
  tokens: TokenService
  revocation: RevocationService
  clock: Clock
  /** How many verified tokens to remember; 0 turns the cache off. */
  verifiedCacheSize?: number
  /** How each introspection ended, for metrics. */
  onResult?: (result: IntrospectionResult) => void
}

/**
 * Verifies access tokens and asks the denylist about their session. Verifying a signature costs far
 * more than the rest, and a backend sees the same token many times, so successfully verified tokens
 * are remembered (bounded, until their own `exp`). Failures are never cached, and revocation is asked
 * on every call: the cache holds "this signature is ours", never "this session is alive".
 */
export function createIntrospectionService({ tokens, revocation, clock, verifiedCacheSize = 10_000, onResult }: IntrospectionDeps) {
  // Oldest first (a Map iterates in insertion order): a full cache forgets its oldest entry. Hits do
  // not move an entry (that would cost a delete and an insert per call); a hot token that ages out is
  // verified once more.
  const verified = new Map<string, AccessClaims>()

  async function verify(token: string, now: Date): Promise<AccessClaims | null> {
    const cached = verified.get(token)
    if (cached) {
      if (cached.exp > now.getTime() / 1000) return cached
      verified.delete(token)
    }
    const claims = await tokens.verifyAccessToken(token, now)
    if (claims && verifiedCacheSize > 0) {
      if (verified.size >= verifiedCacheSize) verified.delete(verified.keys().next().value!)
      verified.set(token, claims)
    }
    return claims
  }

  /** The claims of a token we signed, unexpired, whose session is not revoked; else null. */
  async function authenticate(token: string): Promise<AccessClaims | null> {
    const claims = await verify(token, clock.now())
    if (!claims) return null
    return (await revocation.isRevoked(claims.sid)) ? null : claims
  }

  /** RFC 7662: anything but an active access token is exactly `{active: false}`. */
  async function answer(token: string): Promise<IntrospectionAnswer> {
    const claims = await authenticate(token)
    if (!claims) return { active: false }
    const { sub, sid, exp, iat, iss, aud } = claims
    return { active: true, sub, sid, exp, iat, iss, aud, token_type: 'access_token' }
  }

  /** The RFC 7662 answer for `token`, reported to `onResult` (a failure to answer is `error`). */
  async function introspect(token: string): Promise<IntrospectionAnswer> {
    try {
      const result = await answer(token)
      onResult?.(result.active ? 'active' : 'inactive')
      return result
    } catch (error) {
      onResult?.('error')
      throw error
    }
  }

  return { introspect }
}

export type IntrospectionService = ReturnType<typeof createIntrospectionService>
