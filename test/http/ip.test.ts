import { describe, expect, it } from 'vitest'
import { normaliseIp, rateLimitKey } from '../../src/http/ip.js'

describe('rate-limit keys of client addresses', () => {
  it.each([
    // IPv4 is the address itself.
    ['203.0.113.7', '203.0.113.7'],
    // IPv6: the /64, whatever the spelling.
    ['2001:db8:aa:bb::1', '2001:db8:aa:bb::/64'],
    ['2001:db8:aa:bb::ffff', '2001:db8:aa:bb::/64'],
    ['2001:db8:aa:bb:1:2:3:4', '2001:db8:aa:bb::/64'],
    ['2001:0DB8:00AA:00BB:0000:0000:0000:0001', '2001:db8:aa:bb::/64'],
    ['2001:db8:aa:bb:0::1', '2001:db8:aa:bb::/64'],
    ['2001:db8:aa:bc::1', '2001:db8:aa:bc::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:0:0:1::', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    // IPv4 dressed as IPv6 is IPv4 (one key per IPv4 address, not one for all of them).
    ['::ffff:198.51.100.20', '198.51.100.20'],
    ['::FFFF:c633:6414', '198.51.100.20'],
    ['0:0:0:0:0:ffff:198.51.100.20', '198.51.100.20'],
    ['64:ff9b::198.51.100.20', '198.51.100.20'],
    ['64:ff9b::c633:6414', '198.51.100.20'],
    // Embedded IPv4 elsewhere is just an IPv6 address.
    ['2001:db8:aa:bb::198.51.100.20', '2001:db8:aa:bb::/64'],
    // No address, or something that is not one.
    [null, 'unknown'],
    ['', 'unknown'],
    ['not-an-address', 'not-an-address'],
  ])('%s → %s', (address, key) => {
    expect(rateLimitKey(address)).toBe(key)
  })
})

describe('the one spelling of a client address (sessions, events and GeoIP agree)', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    // An IPv4 client on a dual-stack socket, however the mapped address is spelled.
    ['::ffff:198.51.100.20', '198.51.100.20'],
    ['::FFFF:c633:6414', '198.51.100.20'],
    ['0:0:0:0:0:ffff:198.51.100.20', '198.51.100.20'],
    ['0000:0000:0000:0000:0000:ffff:c633:6414', '198.51.100.20'],
    // Real IPv6 stays as sent (NAT64 is a real IPv6 peer, only its budget is the IPv4 one).
    ['2001:db8::1', '2001:db8::1'],
    ['64:ff9b::c633:6414', '64:ff9b::c633:6414'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    // Not an address at all.
    ['not-an-address', null],
    ['', null],
    [null, null],
  ])('%s → %s', (address, expected) => {
    expect(normaliseIp(address)).toBe(expected)
  })
})
