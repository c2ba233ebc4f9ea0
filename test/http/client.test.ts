import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { deviceLabel } from '../../src/http/device.js'
import { buildTestApp, fetchJson, listen, registerAndLogin } from '../support/app.js'

describe('device labels', () => {
  it.each([
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'Chrome 131 on macOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox 133 on Windows'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 'Microsoft Edge 131 on Windows'],
    ['curl/8.5.0', 'curl 8.5'],
    ['python-requests/2.31.0', 'python-requests 2.31'],
    ['', 'Unknown device'],
    [null, 'Unknown device'],
    ['\u0000garbage\uffff', 'Unknown device'],
  ])('%s → %s', (ua, label) => {
    expect(deviceLabel(ua)).toBe(label)
  })

  it('never throws and stays short for hostile input', () => {
    for (const ua of ['('.repeat(10_000), 'Mozilla/5.0 '.repeat(500), '\\u202e'.repeat(100)]) {
      const label = deviceLabel(ua)
      // Something a person can read in their session list, however hostile the input.
      expect(label).toMatch(/\S/)
      expect(label.length).toBeLessThan(200)
    }
  })
})

describe('client IP and TRUST_PROXY', () => {
  async function sessionIp(trustProxy: string, forwardedFor?: string) {
    const { app } = await buildTestApp({ env: { TRUST_PROXY: trustProxy } })
    const base = await listen(app)
    const { email, password } = await registerAndLogin(app)
    const headers: Record<string, string> = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}
    const res = await fetchJson(base, 'POST', '/login', { json: { email, password }, headers })
    expect(res.status).toBe(200)
    return res.body.session.ip
  }

  it('false: the socket address, and a spoofed X-Forwarded-For is ignored', async () => {
    expect(await sessionIp('false', '203.0.113.50')).toBe('127.0.0.1')
  })

  it('a CIDR list: X-Forwarded-For is believed from a trusted proxy', async () => {
    expect(await sessionIp('127.0.0.1/8', '203.0.113.50')).toBe('203.0.113.50')
  })

  it('a CIDR list that does not include the peer: ignored', async () => {
    expect(await sessionIp('10.0.0.0/8', '203.0.113.50')).toBe('127.0.0.1')
  })

  it('a hop count: only that many proxies are believed, walking from the right', async () => {
    // Client forged "1.2.3.4" in front; our one proxy appended the real client 203.0.113.50.
    expect(await sessionIp('1', '1.2.3.4, 203.0.113.50')).toBe('203.0.113.50')
    expect(await sessionIp('2', '1.2.3.4, 203.0.113.50')).toBe('1.2.3.4')
  })
})

describe('location from GEOIP_DB', () => {
  const fixture = fileURLToPath(new URL('../fixtures/geo-city.mmdb', import.meta.url))

  it('records "City, CC" for the client address, and a new location is a new device', async () => {
    const { app, services } = await buildTestApp({ env: { TRUST_PROXY: 'loopback', GEOIP_DB: fixture } })
    const base = await listen(app)
    const { email, password, user } = await registerAndLogin(app)
    const from = async (ip: string) =>
      (await fetchJson(base, 'POST', '/login', { json: { email, password }, headers: { 'x-forwarded-for': ip, 'user-agent': 'curl/8.5.0' } })).body
    const berlin = await from('81.169.145.10')
    expect(berlin.session).toMatchObject({ ip: '81.169.145.10', location: 'Berlin, DE' })
    expect((await from('8.8.8.8')).session.location).toBe('US')
    expect((await from('10.1.2.3')).session.location).toBeNull()
    await from('81.169.145.99') // Berlin again from curl: not new
    const events = await services.myAccount.listEvents(user.id, 100, null)
    const newDevice = events.events.filter((event) => event.type === 'new_device_login').map((event) => event.location)
    expect(newDevice.sort()).toEqual(['Berlin, DE', 'US', null, null].sort())
  })

  it('an unreadable GEOIP_DB stops start-up naming the variable', async () => {
    await expect(buildTestApp({ env: { GEOIP_DB: '/nonexistent.mmdb' } })).rejects.toThrow(/GEOIP_DB/)
  })
})
