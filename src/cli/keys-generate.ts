import { createPrivateKey, createPublicKey } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK } from 'jose'
import { generatePrivateKeyPem } from '../services/keys.js'

// `npm run keys:generate`: a new Ed25519 signing key for JWT_PRIVATE_KEY, and its public JWK (with
// kid) for JWT_PREVIOUS_PUBLIC_KEYS once the key is rotated out. Nothing is written to disk.
const pem = generatePrivateKeyPem()
const jwk = await exportJWK(createPublicKey(createPrivateKey(pem)))
const kid = await calculateJwkThumbprint(jwk)
process.stdout.write(`# JWT_PRIVATE_KEY (keep secret; in .env write it on one line with \\n for newlines):\n${pem}`)
process.stdout.write(`# JWT_PRIVATE_KEY as one line:\n${pem.trim().replace(/\n/g, '\\n')}\n`)
process.stdout.write(`# public JWK (kid ${kid}):\n${JSON.stringify({ ...jwk, kid, alg: 'EdDSA', use: 'sig' })}\n`)
