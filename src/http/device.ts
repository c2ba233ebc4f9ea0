import Bowser from 'bowser'

// Labels are shown to users (security feed, session lists, webhooks) and anyone can choose their own
// User-Agent, so a label is built only from names on these lists and digits: never text from the UA.

/** Browser names bowser recognises (its fallback copies the UA's first token, so it is not trusted). */
export const BROWSER_NAMES: ReadonlySet<string> = new Set(Object.values(Bowser.BROWSER_MAP).filter((name) => name !== 'Generic'))
/** Operating-system names bowser recognises. */
export const OS_NAMES: ReadonlySet<string> = new Set(Object.values(Bowser.OS_MAP))
/** Command-line and library clients that browser parsers do not know; "curl/8.5.0" → "curl 8.5". */
export const TOOL_NAMES = ['curl', 'Wget', 'HTTPie', 'python-requests', 'okhttp', 'Go-http-client', 'undici', 'node-fetch', 'axios', 'PostmanRuntime'] as const

const TOOL_AGENT = new RegExp(`^(${TOOL_NAMES.map((name) => name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|')})/(\\d{1,6}(?:\\.\\d{1,6})?)`, 'i')
const TOOL_BY_LOWER = new Map<string, string>(TOOL_NAMES.map((name) => [name.toLowerCase(), name]))
const MAJOR_VERSION = /^\d{1,6}$/

export const UNKNOWN_DEVICE = 'Unknown device'

/** A human label for a User-Agent: "Chrome 131 on macOS", "Safari on iOS", "curl 8.5", "Unknown device". */
export function deviceLabel(userAgent: string | null | undefined): string {
  const ua = userAgent?.trim().slice(0, 512)
  if (!ua) return UNKNOWN_DEVICE
  const tool = TOOL_AGENT.exec(ua)
  if (tool) return `${TOOL_BY_LOWER.get(tool[1]!.toLowerCase())} ${tool[2]}`
  let parsed: { browser: { name?: string; version?: string }; os: { name?: string } }
  try {
    parsed = Bowser.parse(ua)
  } catch {
    return UNKNOWN_DEVICE
  }
  const browser = parsed.browser.name && BROWSER_NAMES.has(parsed.browser.name) ? parsed.browser.name : null
  const os = parsed.os.name && OS_NAMES.has(parsed.os.name) ? parsed.os.name : null
  if (!browser) return os ? `Unknown browser on ${os}` : UNKNOWN_DEVICE
  // Only the major version: Chrome's reduced UA freezes the rest. Safari on iOS is versioned with iOS.
  const major = parsed.browser.version?.split('.')[0]
  const showVersion = major && MAJOR_VERSION.test(major) && !(browser === 'Safari' && os === 'iOS')
  const name = showVersion ? `${browser} ${major}` : browser
  return os ? `${name} on ${os}` : name
}

export type DeviceKind = 'mobile' | 'tablet' | 'desktop' | 'unknown'

/**
 * What kind of device a User-Agent says it is (bowser's platform type), for the icon next to a
 * session. Only the fixed kinds come out, never text from the UA.
 */
export function deviceKind(userAgent: string | null | undefined): DeviceKind {
  const ua = userAgent?.trim().slice(0, 512)
  if (!ua || TOOL_AGENT.test(ua)) return 'unknown'
  let type: string | undefined
  try {
    type = Bowser.parse(ua).platform.type
  } catch {
    return 'unknown'
  }
  return type === 'mobile' || type === 'tablet' || type === 'desktop' ? type : 'unknown'
}
