import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import proxyaddr from 'proxy-addr'
import type { TrustProxy } from '../config.js'
import type { ClientInfo } from '../client-info.js'
import { deviceLabel } from './device.js'
import { normaliseIp, rateLimitKey } from './ip.js'

type TrustFn = (address: string, hop: number) => boolean

/** TRUST_PROXY → proxy-addr's trust function; `false` believes no X-Forwarded-For at all. */
export function compileTrust(trust: TrustProxy): TrustFn {
  if (trust === false) return () => false
  if (typeof trust === 'number') return (_address, hop) => hop < trust
  return proxyaddr.compile(trust)
}

export interface ClientReader {
  /** The client's address only: all a rate-limit key needs (no User-Agent parse, no GeoIP lookup). */
  ip(c: Context): string | null
  /**
   * The address as a rate-limit key: IPv4 whole, IPv6 by its /64 (see rateLimitKey); `unknown` when
   * there is no socket, e.g. in-process requests.
   */
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
    ipKey: (c) => rateLimitKey(reader.ip(c)),
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
