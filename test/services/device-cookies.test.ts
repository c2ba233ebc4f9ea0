import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createDeviceCookies } from '../../src/services/device-cookies.js'
import { accountKey } from '../../src/services/rate-limits.js'

describe('device cookies', () => {
  const cookies = createDeviceCookies(randomBytes(32))
  const ada = accountKey('ada@example.com')

  it('verify gives back the device id of a cookie issued for that account, and every cookie is a new device', () => {
    const one = cookies.issue(ada)
    const two = cookies.issue(ada)
    expect(one).toMatch(/^v1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/)
    expect(cookies.verify(ada, one)).toBe(one.split('.')[1])
    expect(cookies.verify(ada, two)).not.toBe(cookies.verify(ada, one))
    // The same account however the email is spelt (accountKey normalises it).
    expect(cookies.verify(accountKey(' ADA@example.com'), one)).toBe(one.split('.')[1])
  })

  it('is bound to its account and to this deployment', () => {
    const cookie = cookies.issue(ada)
    expect(cookies.verify(accountKey('mallory@example.com'), cookie)).toBeNull()
    expect(createDeviceCookies(randomBytes(32)).verify(ada, cookie)).toBeNull()
  })

  it.each([undefined, null, '', 'v1', 'v1..', 'v2.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', 'v1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', 'x'.repeat(5000)])(
    'refuses %s',
    (value) => {
      expect(cookies.verify(ada, value)).toBeNull()
    },
  )

  it('refuses a cookie with its nonce or MAC altered', () => {
    const [version, nonce, mac] = cookies.issue(ada).split('.') as [string, string, string]
    const flip = (text: string) => `${text.slice(0, 5)}${text[5] === 'A' ? 'B' : 'A'}${text.slice(6)}`
    expect(cookies.verify(ada, `${version}.${flip(nonce)}.${mac}`)).toBeNull()
    expect(cookies.verify(ada, `${version}.${nonce}.${flip(mac)}`)).toBeNull()
  })
})
