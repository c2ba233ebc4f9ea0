import { verify, type KeyObject } from 'node:crypto'

/**
 * Verifies a compact JWS signed with EdDSA (Ed25519) against one of our own keys, synchronously,
 * with node:crypto (OpenSSL) doing the cryptography. `jose` v6 verifies through WebCrypto: an async
 * job per token on libuv's pool, which made a signature check cost far more than the Ed25519 verify
 * itself (see the README's benchmark section). Signing, JWKS and thumbprints stay with `jose`.
 *
 * The rules are the ones `jose.jwtVerify` applied for us, pinned as the contract asks:
 * - three base64url segments, nothing else; the header and payload are JSON objects;
 * - `alg` exactly "EdDSA" (no "none", no HMAC: the key type is never consulted to choose one);
 * - `typ` "at+jwt" (RFC 8725 §3.11, compared as jose does: case-insensitive, "application/" optional);
 * - no `crit` (we understand no extension); `kid` names one of OUR keys; `jwk`/`jku`/`x5u`/`x5c` are
 *   never read;
 * - a 64-byte signature over the exact ASCII of `header.payload`.
 * Claims are checked by the caller (see `checkClaims`).
 */
export function verifyEdDSACompact(token: string, keys: ReadonlyMap<string, KeyObject>, typ: string): Record<string, unknown> | null {
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  if (first <= 0 || second <= first + 1 || second === token.length - 1 || token.indexOf('.', second + 1) !== -1) return null
  if (!BASE64URL.test(token)) return null
  const header = decodeObject(token.slice(0, first))
  if (!header || header.alg !== 'EdDSA' || 'crit' in header) return null
  if (typeof header.typ !== 'string' || normaliseTyp(header.typ) !== normaliseTyp(typ)) return null
  const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined
  if (!key) return null
  const signature = Buffer.from(token.slice(second + 1), 'base64url')
  if (signature.length !== 64) return null
  if (!verify(null, Buffer.from(token.slice(0, second), 'ascii'), key, signature)) return null
  return decodeObject(token.slice(first + 1, second))
}

export interface ClaimRules {
  issuer: string
  audience: string
  /** Seconds since the epoch. */
  now: number
  leewaySeconds: number
  required: readonly string[]
}

/**
 * The registered-claim checks (RFC 7519 §4.1) as jose made them: `iss` equal, `aud` equal or listing
 * ours, every required claim present, `exp` (past it by more than the leeway: expired), `nbf` (more
 * than the leeway ahead: not yet valid) and `iat` numbers when present.
 */
export function checkClaims(payload: Record<string, unknown>, rules: ClaimRules): boolean {
  for (const claim of rules.required) if (!(claim in payload)) return false
  if (payload.iss !== rules.issuer) return false
  const { aud } = payload
  if (!(aud === rules.audience || (Array.isArray(aud) && aud.includes(rules.audience)))) return false
  if ('iat' in payload && typeof payload.iat !== 'number') return false
  if ('nbf' in payload && (typeof payload.nbf !== 'number' || payload.nbf > rules.now + rules.leewaySeconds)) return false
  if ('exp' in payload && (typeof payload.exp !== 'number' || payload.exp <= rules.now - rules.leewaySeconds)) return false
  return true
}

// Three non-empty base64url segments (checked for position above); Buffer's decoder would skip
// anything else silently, so the alphabet is checked first.
const BASE64URL = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

const normaliseTyp = (value: string) => value.toLowerCase().replace(/^application\//, '')

function decodeObject(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}
