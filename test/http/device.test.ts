import { describe, expect, it } from 'vitest'
import { deviceLabel, UNKNOWN_DEVICE } from '../../src/http/device.js'

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const SAFARI_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
const EDGE = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0'

describe('deviceLabel', () => {
  it.each([
    [CHROME_MAC, 'Chrome 131 on macOS'],
    [SAFARI_IOS, 'Safari on iOS'],
    [FIREFOX_WINDOWS, 'Firefox 133 on Windows'],
    [FIREFOX_LINUX, 'Firefox 133 on Linux'],
    [EDGE, 'Microsoft Edge 131 on Windows'],
    ['curl/8.5.0', 'curl 8.5'],
    ['CURL/8.5.0', 'curl 8.5'],
    ['python-requests/2.31.0', 'python-requests 2.31'],
    ['', UNKNOWN_DEVICE],
    [null, UNKNOWN_DEVICE],
  ])('%s → %s', (ua, label) => {
    expect(deviceLabel(ua)).toBe(label)
  })

  // An attacker chooses their own User-Agent and the victim's security feed shows its label.
  it.each([
    '<img src=x onerror=alert(document.domain)>/1 (x',
    'Blocked sign-in. Restore access at https://evil.example/restore/1 (x',
    'Restore access at https://evil.example/restore/1 (Windows NT 10.0; Win64; x64)',
    'evil.example/1 (Macintosh; Intel Mac OS X 10_15_7)',
    'Visit evil.example now/2.0 ',
  ])('never carries attacker text: %s', (ua) => {
    const label = deviceLabel(ua)
    expect(label).not.toMatch(/evil|img|onerror|alert|Restore|Blocked|Visit|https?:|[<>/()]/i)
    expect(label === UNKNOWN_DEVICE || /^Unknown browser on (Windows|macOS)$/.test(label)).toBe(true)
  })

  it('keeps the browser but drops anything appended to a real UA', () => {
    expect(deviceLabel(`${CHROME_MAC} Restore access at https://evil.example/restore`)).toBe('Chrome 131 on macOS')
    expect(deviceLabel('curl/8.5.0 <script>alert(1)</script>')).toBe('curl 8.5')
  })
})
