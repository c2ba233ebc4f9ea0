/**
 * Dates on the hosted pages: rendered by the server in UTC (the page has no script to localise
 * them), inside `<time datetime>`, with relative wording ("5 minutes ago") computed from the app's
 * clock, so a page and the rules that decide expiry agree on what "now" is.
 */

const ABSOLUTE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
})
const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** "3 Dec 2026, 12:18 UTC" */
export function absoluteTime(at: Date): string {
  return `${ABSOLUTE.format(at)} UTC`
}

/** "just now", "5 minutes ago", "yesterday", "in 7 days", "3 months ago", from `now`. */
export function relativeTime(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime()
  const size = Math.abs(ms)
  if (size < 45 * SECOND) return 'just now'
  const [amount, unit]: [number, Intl.RelativeTimeFormatUnit] =
    size < 45 * MINUTE
      ? [ms / MINUTE, 'minute']
      : size < 22 * HOUR
        ? [ms / HOUR, 'hour']
        : size < 26 * DAY
          ? [ms / DAY, 'day']
          : size < 320 * DAY
            ? [ms / (30 * DAY), 'month']
            : [ms / (365 * DAY), 'year']
  // Never "0 minutes ago" or "in 0 days": round away from now.
  return RELATIVE.format(Math.sign(amount) * Math.max(1, Math.round(Math.abs(amount))), unit)
}

/** A length of time in words: "30 days", "12 hours", "15 minutes". */
export function durationWords(ms: number): string {
  const [amount, unit] = ms >= DAY ? [ms / DAY, 'day'] : ms >= HOUR ? [ms / HOUR, 'hour'] : [Math.max(1, ms / MINUTE), 'minute']
  const whole = Math.round(amount)
  return `${whole} ${unit}${whole === 1 ? '' : 's'}`
}

/** The absolute time, as text. */
export function AbsoluteTime({ at }: { at: Date }) {
  return <time datetime={at.toISOString()}>{absoluteTime(at)}</time>
}

/** Relative wording, the absolute time on hover (`title`) and in `datetime`. */
export function RelativeTime({ at, now }: { at: Date; now: Date }) {
  return (
    <time datetime={at.toISOString()} title={absoluteTime(at)}>
      {relativeTime(at, now)}
    </time>
  )
}
