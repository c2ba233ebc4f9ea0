import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../clock.js'

const VERSION = 'v1'
const MAC_BYTES = 16
const SHAPE = /^v1\.(\d{1,16})\.([A-Za-z0-9_-]{1,4096})\.([A-Za-z0-9_-]{22})$/

/**
 * Short-lived values the server hands a browser and reads back unchanged: the hosted pages' one-time
 * messages ("Signed out Chrome on macOS"), carried across a post/redirect/get in a cookie. Sealed
 * with an HMAC under a per-deployment key (derived from the signing key, so every instance reads
 * what another sealed) and an expiry from the app's clock. Integrity only: never put a secret in one.
 */
export function createSealer(key: Buffer, clock: Clock) {
  const mac = (expires: string, body: string) =>
    createHmac('sha256', key).update(`${VERSION}\0${expires}\0${body}`).digest().subarray(0, MAC_BYTES)

  return {
    /** `text` sealed until `ttlMs` from now. */
    seal(text: string, ttlMs: number): string {
      const expires = String(clock.now().getTime() + ttlMs)
      const body = Buffer.from(text, 'utf8').toString('base64url')
      return `${VERSION}.${expires}.${body}.${mac(expires, body).toString('base64url')}`
    },
    /** The text, when `sealed` is one we sealed and it has not expired; else null. */
    open(sealed: string | null | undefined): string | null {
      const match = sealed ? SHAPE.exec(sealed) : null
      if (!match) return null
      const [, expires, body, presented] = match as unknown as [string, string, string, string]
      const expected = mac(expires, body)
      const given = Buffer.from(presented, 'base64url')
      if (given.length !== MAC_BYTES || !timingSafeEqual(given, expected)) return null
      if (Number(expires) <= clock.now().getTime()) return null
      return Buffer.from(body, 'base64url').toString('utf8')
    },
  }
}

export type Sealer = ReturnType<typeof createSealer>
