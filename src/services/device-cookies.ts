import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Login device cookies (OWASP's "device cookies" against targeted lockout). A successful login gets
 * one; a later login that presents a valid one for the same account is a known client, judged by
 * that device's own failure budget instead of the account's and the IP's (see routes/auth.ts). The
 * cookie holds no session and no token: only a random nonce and an HMAC binding it to the account.
 */
export const DEVICE_COOKIE_NAME = 'sessiond_device'
/** The name on the wire: `__Host-` pins it to this origin, Secure and Path=/. */
export const DEVICE_COOKIE = `__Host-${DEVICE_COOKIE_NAME}`
export const DEVICE_COOKIE_MAX_AGE_S = 365 * 24 * 60 * 60

const VERSION = 'v1'
const NONCE_BYTES = 16
const MAC_BYTES = 16
const B64 = (bytes: number) => Math.ceil((bytes * 4) / 3)
const SHAPE = new RegExp(`^${VERSION}\\.([A-Za-z0-9_-]{${B64(NONCE_BYTES)}})\\.([A-Za-z0-9_-]{${B64(MAC_BYTES)}})$`)

/** `key` is a per-deployment secret (derived from the signing key: see services/keys.ts). */
export function createDeviceCookies(key: Buffer) {
  const mac = (accountKey: string, nonce: string) =>
    createHmac('sha256', key).update(`${VERSION}\0${accountKey}\0${nonce}`).digest().subarray(0, MAC_BYTES)

  return {
    /** A new device cookie value for the account `accountKey` (see rate-limits.ts accountKey). */
    issue(accountKey: string): string {
      const nonce = randomBytes(NONCE_BYTES).toString('base64url')
      return `${VERSION}.${nonce}.${mac(accountKey, nonce).toString('base64url')}`
    },
    /**
     * The device's id when `value` is a cookie we issued for this account, else null (absent,
     * malformed, forged, or issued for another account). The MAC is compared in constant time.
     */
    verify(accountKey: string, value: string | undefined | null): string | null {
      const match = value ? SHAPE.exec(value) : null
      if (!match) return null
      const nonce = match[1]!
      const presented = Buffer.from(match[2]!, 'base64url')
      if (presented.length !== MAC_BYTES) return null
      return timingSafeEqual(presented, mac(accountKey, nonce)) ? nonce : null
    },
  }
}

export type DeviceCookies = ReturnType<typeof createDeviceCookies>
