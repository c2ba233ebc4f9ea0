import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import type { KeySet } from './keys.js'
import { JWT_ALGORITHM } from './keys.js'
import { checkClaims, verifyEdDSACompact } from './jws-eddsa.js'
import { canonicalUuid } from '../uuid.js'

/** RFC 9068 access-token media type, required on every token we accept. */
export const ACCESS_TOKEN_TYP = 'at+jwt'
/** RFC 8725 asks for a small leeway; the contract allows at most 5 s. */
export const CLOCK_LEEWAY_SECONDS = 5
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'sid', 'jti'] as const

export interface AccessClaims {
  iss: string
  aud: string
  sub: string
  sid: string
  jti: string
  iat: number
  exp: number
  auth_time: number
}

export interface TokenDeps {
  keys: KeySet
  issuer: string
  audience: string
  accessTokenTtlMs: number
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000)

export function createTokenService({ keys, issuer, audience, accessTokenTtlMs }: TokenDeps) {
  return {
    /** Signs an access token whose `exp` never passes `sessionEndsAt` (the session's idle or absolute end). */
    async signAccessToken(input: { userId: string; sessionId: string; authTime: Date; now: Date; sessionEndsAt: Date }) {
      const iat = seconds(input.now)
      const exp = Math.min(iat + Math.floor(accessTokenTtlMs / 1000), seconds(input.sessionEndsAt))
      const token = await new SignJWT({ sid: input.sessionId, auth_time: seconds(input.authTime) })
        .setProtectedHeader({ alg: JWT_ALGORITHM, typ: ACCESS_TOKEN_TYP, kid: keys.signingKid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(input.userId)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(keys.signingKey)
      return { token, exp, expiresIn: Math.max(0, exp - iat) }
    },

    /** The claims of a token we signed that is unexpired at `now`; null for anything else. */
    async verifyAccessToken(token: string, now: Date): Promise<AccessClaims | null> {
      // Keys come only from our own set, by kid; jwk/jku/x5u/x5c headers are never consulted.
      const payload = verifyEdDSACompact(token, keys.verificationKeys, ACCESS_TOKEN_TYP)
      if (!payload) return null
      const rules = { issuer, audience, now: seconds(now), leewaySeconds: CLOCK_LEEWAY_SECONDS, required: REQUIRED_CLAIMS }
      if (!checkClaims(payload, rules)) return null
      const { sub, sid, jti, iat, exp, auth_time } = payload
      // `sid` exactly as we mint it (lower case): denylist entries are keyed by that spelling.
      if (typeof sub !== 'string' || typeof sid !== 'string' || canonicalUuid(sid) !== sid || typeof jti !== 'string') return null
      if (typeof iat !== 'number' || typeof exp !== 'number' || typeof auth_time !== 'number') return null
      return { iss: issuer, aud: audience, sub, sid, jti, iat, exp, auth_time }
    },
  }
}

export type TokenService = ReturnType<typeof createTokenService>

/** A new opaque refresh token: 256 bits from the CSPRNG. */
export function mintRefreshToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * The successor of a refresh token is HMAC(server key, token). Deriving it (instead of storing it)
 * lets a replay inside the grace window get the *same* successor back without any refresh token
 * ever being kept in plaintext; without the server key, nobody can compute it.
 */
export function successorRefreshToken(key: Buffer, token: string): string {
  return createHmac('sha256', key).update(token).digest('base64url')
}

/** What the ledger stores instead of a token. A fast hash is enough: the token has 256 bits of entropy. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
