// Access tokens signed offline with sessiond's own key: valid, for live sessions, and never seen by the
// instance, so each one costs a full signature verification (the "cold" path the verify cache skips).
import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto'
import { SignJWT, calculateJwkThumbprint, exportJWK } from 'jose'
import type { BenchSession } from './fixtures.js'

export interface OfflineSigner {
  kid: string
  sign: (session: BenchSession) => Promise<string>
}

export async function createOfflineSigner(privateKeyPem: string, options: { issuer: string; audience: string; ttlSeconds: number }): Promise<OfflineSigner> {
  const key: KeyObject = createPrivateKey(privateKeyPem)
  // The kid sessiond uses: the RFC 7638 thumbprint of the public JWK (checked against its JWKS by the caller).
  const kid = await calculateJwkThumbprint(await exportJWK(createPublicKey(key)))
  return {
    kid,
    sign: (session) => {
      const iat = Math.floor(Date.now() / 1000)
      return new SignJWT({ sid: session.sessionId, auth_time: session.authTime })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(session.userId)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.ttlSeconds)
        .sign(key)
    },
  }
}

/** `count` distinct tokens (fresh jti each) spread over `sessions`, signed in batches to keep memory flat. */
export async function signMany(signer: OfflineSigner, sessions: BenchSession[], count: number): Promise<string[]> {
  const tokens: string[] = []
  const batch = 1000
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start)
    tokens.push(...(await Promise.all(Array.from({ length: size }, (_, i) => signer.sign(sessions[(start + i) % sessions.length]!)))))
  }
  return tokens
}
