import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import { isIPv4, isIPv6 } from 'node:net'
import proxyaddr from 'proxy-addr'
import type { TrustProxy } from '../config.js'
import type { ClientInfo } from '../client-info.js'
import { deviceLabel } from './device.js'


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

/** The eight 16-bit groups of an IPv6 address (already checked with isIPv6, zone id removed). */
function ipv6Groups(address: string): number[] {
  let text = address
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.', lastColon)) {
    // A dotted IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) spells the last two groups.
    const [a, b, c, d] = text.slice(lastColon + 1).split('.').map(Number) as [number, number, number, number]
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : [])
  const left = parse(head)
  const right = parse(tail)
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right]
}

const dotted = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`

/**
 * The rate-limit key of a client address. IPv4 is the address itself; IPv6 is its /64, the block one
 * subscriber usually gets whole (so one home or VM cannot mint a fresh budget per address). IPv4 in
 * IPv6 clothing (::ffff:a.b.c.d in any spelling, and NAT64's 64:ff9b::/96) is its IPv4 address.
 * Sessions and security events keep the full address; only budgets are keyed this way.
 */
export function rateLimitKey(address: string | null): string {
  if (!address) return 'unknown'
  if (isIPv4(address)) return address
  const bare = address.split('%')[0]!
  if (!isIPv6(bare)) return address
  const groups = ipv6Groups(bare.toLowerCase())
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0)
  if (zeros(0, 5) && groups[5] === 0xffff) return dotted(groups[6]!, groups[7]!)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return dotted(groups[6]!, groups[7]!)
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`
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
