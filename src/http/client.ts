import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import proxyaddr from 'proxy-addr'
import type { TrustProxy } from '../config.js'
import { deviceLabel } from './device.js'

/** Who is calling, as recorded on sessions and security events. */
export interface ClientInfo {
  ip: string | null
  userAgent: string | null
  device: string
  location: string | null
}

type TrustFn = (address: string, hop: number) => boolean

/** TRUST_PROXY → proxy-addr's trust function; `false` believes no X-Forwarded-For at all. */
export function compileTrust(trust: TrustProxy): TrustFn {
  if (trust === false) return () => false
  if (typeof trust === 'number') return (_address, hop) => hop < trust
  return proxyaddr.compile(trust)
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) → `1.2.3.4`. */
export function normaliseIp(address: string | undefined | null): string | null {
  if (!address) return null
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

export interface ClientReader {
  /** The client's address only: all a rate-limit key needs (no User-Agent parse, no GeoIP lookup). */
  ip(c: Context): string | null
  /** The address as a rate-limit key (`unknown` when there is no socket, e.g. in-process requests). */
  ipKey(c: Context): string
  /** Address, device label and location, as recorded on sessions and security events. */
  info(c: Context): ClientInfo
}

/** Reads who is calling; each part is computed at most once per request, and only when asked for. */
export function createClientReader(trust: TrustProxy, locate: (ip: string | null) => string | null = () => null): ClientReader {
  const trustFn = compileTrust(trust)
  const reader: ClientReader = {
    ip(c) {
      const cached = c.get('clientIp') as string | null | undefined
      if (cached !== undefined) return cached
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
      // Without a socket (app.request() in tests) there is no peer address to report.
      const ip = incoming?.socket ? normaliseIp(proxyaddr(incoming, trustFn)) : null
      c.set('clientIp', ip)
      return ip
    },
    ipKey: (c) => reader.ip(c) ?? 'unknown',
    info(c) {
      const cached = c.get('client') as ClientInfo | undefined
      if (cached) return cached
      const ip = reader.ip(c)
      const userAgent = c.req.header('user-agent') ?? null
      const info = { ip, userAgent, device: deviceLabel(userAgent), location: locate(ip) }
      c.set('client', info)
      return info
    },
  }
  return reader
}

/** The client columns recorded on a security event. */
export function clientFields(client: ClientInfo | null) {
  return { ip: client?.ip ?? null, device: client?.device ?? null, location: client?.location ?? null }
}
