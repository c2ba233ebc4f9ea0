import { createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, type JsonWebKey, type KeyObject } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose'
import { ConfigError } from '../config.js'

/** The one algorithm we sign and accept (RFC 8725 §3.1: pin it). */
export const JWT_ALGORITHM = 'EdDSA'

export interface PublicJwk extends JWK {
  kid: string
  alg: typeof JWT_ALGORITHM
  use: 'sig'
}

export interface KeySet {
  /** Signs access tokens. */
  signingKey: KeyObject
  signingKid: string
  /** Current and previous public keys, as published at /.well-known/jwks.json. */
  jwks: { keys: PublicJwk[] }
  /** Verification keys by kid: our own set, never a key named by the token. */
  verificationKeys: Map<string, KeyObject>
  /** Server-side secret for deriving a rotated refresh token's successor (see services/tokens.ts). */
  refreshSuccessorKey: Buffer
  /** Server-side secret that signs login device cookies (see services/device-cookies.ts). */
  deviceCookieKey: Buffer
  /** Server-side secret that seals the hosted pages' one-time messages (see services/sealer.ts). */
  pageNoteKey: Buffer
}

const GENERATED_KEY_FILE = 'jwt-ed25519.pem'

function parsePrivateKey(text: string): KeyObject {
  const trimmed = text.trim()
  let key: KeyObject
  try {
    key = trimmed.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(trimmed), format: 'jwk' })
      : createPrivateKey(trimmed.replace(/\\n/g, '\n'))
  } catch {
    throw new ConfigError('JWT_PRIVATE_KEY', 'not a readable PEM (PKCS#8) or JWK private key')
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError('JWT_PRIVATE_KEY', `must be an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`)
  }
  return key
}

function parsePublicKey(text: string): KeyObject {
  try {
    const key = text.trim().startsWith('{')
      ? createPublicKey({ key: JSON.parse(text), format: 'jwk' })
      : createPublicKey(text.replace(/\\n/g, '\n'))
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519')
    return key
  } catch {
    throw new ConfigError('JWT_PREVIOUS_PUBLIC_KEYS', 'every entry must be an Ed25519 public key (PEM or JWK)')
  }
}

/** Generates the embedded-mode key once into DATA_DIR and reuses it on later starts. */
export function loadOrGenerateKeyFile(dataDir: string): string {
  const path = join(dataDir, GENERATED_KEY_FILE)
  if (existsSync(path)) return readFileSync(path, 'utf8')
  mkdirSync(dataDir, { recursive: true })
  const { privateKey } = generateKeyPairSync('ed25519')
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
  writeFileSync(path, pem, { mode: 0o600, flag: 'wx' })
  return pem
}

export function generatePrivateKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
}

async function toPublicJwk(key: KeyObject): Promise<PublicJwk> {
  const jwk = await exportJWK(key)
  const kid = await calculateJwkThumbprint(jwk)
  return { ...jwk, kid, alg: JWT_ALGORITHM, use: 'sig' }
}

/** Builds the key set from the configured private key (PEM or JWK) and previous public keys. */
export async function loadKeySet(privateKeyText: string, previousPublicKeys: string[] = []): Promise<KeySet> {
  const signingKey = parsePrivateKey(privateKeyText)
  const current = await toPublicJwk(createPublicKey(signingKey))
  const previous = await Promise.all(previousPublicKeys.map(async (text) => toPublicJwk(parsePublicKey(text))))
  const keys = [current, ...previous.filter((jwk) => jwk.kid !== current.kid)]
  const verificationKeys = new Map<string, KeyObject>()
  for (const jwk of keys) verificationKeys.set(jwk.kid, createPublicKey({ key: { ...jwk } as JsonWebKey, format: 'jwk' }))
  const der = signingKey.export({ format: 'der', type: 'pkcs8' })
  return {
    signingKey,
    signingKid: current.kid,
    jwks: { keys },
    verificationKeys,
    refreshSuccessorKey: Buffer.from(hkdfSync('sha256', der, 'sessiond', 'refresh-token-successor', 32)),
    deviceCookieKey: Buffer.from(hkdfSync('sha256', der, 'sessiond', 'login-device-cookie', 32)),
    pageNoteKey: Buffer.from(hkdfSync('sha256', der, 'sessiond', 'page-note', 32)),
  }
}
