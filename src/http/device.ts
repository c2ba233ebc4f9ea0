import Bowser from 'bowser'

// Command-line and library clients that browser parsers do not know; "curl/8.5.0" → "curl 8.5".
const TOOL_AGENT = /^(curl|Wget|HTTPie|python-requests|okhttp|Go-http-client|undici|node-fetch|axios|PostmanRuntime)\/(\d+(?:\.\d+)?)/i

export const UNKNOWN_DEVICE = 'Unknown device'
const MAX_LABEL = 80

/** Labels are shown to users and stored: no control characters, and a sane length. */
function tidy(label: string): string {
  const clean = label.replace(/[\p{Cc}\p{Cf}]/gu, '').replace(/\s+/g, ' ').trim()
  if (!clean) return UNKNOWN_DEVICE
  return clean.length > MAX_LABEL ? `${clean.slice(0, MAX_LABEL - 1)}…` : clean
}

/** A human label for a User-Agent: "Chrome 131 on macOS", "Safari on iOS", "curl 8.5", "Unknown device". */
export function deviceLabel(userAgent: string | null | undefined): string {
  return tidy(rawDeviceLabel(userAgent))
}

function rawDeviceLabel(userAgent: string | null | undefined): string {
  const ua = userAgent?.trim().slice(0, 512)
  if (!ua) return UNKNOWN_DEVICE
  const tool = TOOL_AGENT.exec(ua)
  if (tool) return `${tool[1]} ${tool[2]}`
  try {
    const { browser, os } = Bowser.parse(ua)
    if (!browser.name) return os.name ? `Unknown browser on ${os.name}` : UNKNOWN_DEVICE
    // Only the major version: Chrome's reduced UA freezes the rest. Safari on iOS is versioned with iOS.
    const major = browser.version?.split('.')[0]
    const showVersion = major && !(browser.name === 'Safari' && os.name === 'iOS')
    const name = showVersion ? `${browser.name} ${major}` : browser.name
    return os.name ? `${name} on ${os.name}` : name
  } catch {
    return UNKNOWN_DEVICE
  }
}
