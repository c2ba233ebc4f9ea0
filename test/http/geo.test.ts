import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { type Locate, openGeoLocator } from '../../src/http/geo.js'

// Both fixtures are built by scripts/build-geo-fixture.pl and committed.
const CITY_DB = fileURLToPath(new URL('../fixtures/geo-city.mmdb', import.meta.url))
const FLAT_DB = fileURLToPath(new URL('../fixtures/geo-flat.mmdb', import.meta.url))

describe('GeoIP lookup, GeoIP2-City layout', () => {
  let locate: Locate
  beforeAll(async () => {
    locate = await openGeoLocator(CITY_DB)
  })

  it.each([
    ['81.169.145.10', 'Berlin, DE'],
    ['2a01:238:4321::1', 'Berlin, DE'],
    ['::ffff:81.169.145.10', 'Berlin, DE'],
    ['::FFFF:51a9:910a', 'Berlin, DE'], // 81.169.145.10 in hex mapped form
    ['  81.169.145.10 ', 'Berlin, DE'],
    ['8.8.8.8', 'US'], // country only, no city
    ['203.0.113.7', 'Sydney, AU'], // "Sydney (Haymarket)": district stripped
  ])('%s → %s', (ip, location) => {
    expect(locate(ip)).toBe(location)
  })

  it.each([
    ['127.0.0.1'],
    ['::1'],
    ['::ffff:127.0.0.1'],
    ['10.1.2.3'],
    ['172.16.5.4'],
    ['192.168.1.1'],
    ['100.64.0.1'],
    ['169.254.1.1'],
    ['0.0.0.0'],
    ['::'],
    ['fc00::1'],
    ['fd12:3456::1'],
    ['fe80::1'],
    ['fe80::1%eth0'],
    ['1.1.1.1'], // public, but not in the fixture
    ['2606:4700::1111'],
    ['not an ip'],
    ['81.169.145'],
    ['999.1.1.1'],
    [''],
    [null],
  ])('%s → null', (ip) => {
    expect(locate(ip)).toBeNull()
  })

  it('never throws on hostile input', () => {
    for (const ip of ['\u0000', ':'.repeat(1000), '1'.repeat(10_000), '::ffff:999.1.1.1', '%']) {
      expect(locate(ip)).toBeNull()
    }
  })
})

describe('GeoIP lookup, ip-location-db flat layout', () => {
  it('reads city and country_code', async () => {
    const locate = await openGeoLocator(FLAT_DB)
    expect(locate('90.0.1.2')).toBe('Paris, FR')
    expect(locate('::ffff:90.0.1.2')).toBe('Paris, FR')
    expect(locate('90.1.0.1')).toBeNull()
    // An IPv6 lookup in an IPv4-only database answers null rather than throwing.
    expect(locate('2a01:238::1')).toBeNull()
  })
})

describe('openGeoLocator', () => {
  it('with no path, always answers null', async () => {
    const locate = await openGeoLocator(null)
    expect(locate('81.169.145.10')).toBeNull()
    expect(locate('8.8.8.8')).toBeNull()
    expect(locate(null)).toBeNull()
  })

  it('rejects a missing file with a message naming GEOIP_DB', async () => {
    const missing = fileURLToPath(new URL('../fixtures/no-such-geo.mmdb', import.meta.url))
    await expect(openGeoLocator(missing)).rejects.toThrow(/GEOIP_DB.*could not read/)
    await expect(openGeoLocator(missing)).rejects.toThrow(missing)
  })

  it('rejects a file that is not an MMDB database', async () => {
    await expect(openGeoLocator(fileURLToPath(import.meta.url))).rejects.toThrow(/GEOIP_DB/)
  })
})
