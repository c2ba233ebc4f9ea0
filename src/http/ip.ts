import { isIPv4, isIPv6 } from 'node:net'

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

/** True for ::ffff:a.b.c.d in any spelling (dotted or hex tail, compressed or not). */
const isIpv4Mapped = (groups: number[]) => groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff

/**
 * The one spelling of a client address that sessions, events and GeoIP all use: an IPv4 client on a
 * dual-stack socket (`::ffff:1.2.3.4`, `::ffff:102:304`, `0:0:0:0:0:ffff:…`) is its IPv4 address;
 * any other valid address as given (trimmed); null when it is not an IP address at all.
 */
export function normaliseIp(raw: string | undefined | null): string | null {
  const address = raw?.trim()
  if (!address) return null
  if (isIPv4(address)) return address
  if (!isIPv6(address.split('%')[0]!)) return null
  const groups = ipv6Groups(address.split('%')[0]!.toLowerCase())
  return isIpv4Mapped(groups) ? dotted(groups[6]!, groups[7]!) : address
}

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
  if (isIpv4Mapped(groups)) return dotted(groups[6]!, groups[7]!)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return dotted(groups[6]!, groups[7]!)
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`
}
