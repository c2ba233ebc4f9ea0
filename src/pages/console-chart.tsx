import type { HourCounts, OverviewSeries } from '../services/console-overview.js'

/**
 * The overview's charts: one small bar chart per series over the last 24 hours, drawn by the server
 * as SVG (no script, nothing from elsewhere; colours come from the stylesheet's classes). Each chart
 * has its own scale, so a burst of failed sign-ins stands out even on a busy day of good ones; each
 * is an image with a text summary, and the page repeats the numbers in a table.
 */

export const SERIES_LABELS: Record<OverviewSeries, string> = {
  login: 'Sign-ins',
  login_failed: 'Failed sign-ins',
  new_device_login: 'New-device sign-ins',
  refresh_token_reused: 'Refresh-token theft detected',
}

const WIDTH = 480
const HEIGHT = 96
const AXIS = 18
const GAP = 2

/** "14:00" for the UTC hour starting at `at`. */
export function hourLabel(at: Date): string {
  return `${String(at.getUTCHours()).padStart(2, '0')}:00`
}

/** What a screen reader hears instead of the bars. */
export function chartSummary(series: OverviewSeries, hours: HourCounts[]): string {
  const values = hours.map((hour) => hour.counts[series])
  const total = values.reduce((sum, value) => sum + value, 0)
  const label = `${SERIES_LABELS[series]} per hour, last 24 hours`
  if (total === 0) return `${label}: none.`
  const peak = Math.max(...values)
  const peakHour = hours[values.indexOf(peak)]!
  return `${label}: ${total} in all, at most ${peak} in the hour from ${hourLabel(peakHour.start)} UTC.`
}

export function HourlyChart({ series, hours }: { series: OverviewSeries; hours: HourCounts[] }) {
  const values = hours.map((hour) => hour.counts[series])
  const total = values.reduce((sum, value) => sum + value, 0)
  const peak = Math.max(1, ...values)
  const plotHeight = HEIGHT - AXIS
  const slot = WIDTH / hours.length
  const id = `chart-${series.replace(/_/g, '-')}`
  return (
    <figure class={`chart chart-${series.replace(/_/g, '-')}`} aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`} class="chart-title">
        <span>{SERIES_LABELS[series]}</span>
        <span class="chart-total">{String(total)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={chartSummary(series, hours)} class="chart-svg">
        <line class="chart-baseline" x1="0" y1={String(plotHeight)} x2={String(WIDTH)} y2={String(plotHeight)} />
        {values.map((value, index) => {
          const height = value === 0 ? 0 : Math.max(2, (value / peak) * (plotHeight - 4))
          return value === 0 ? null : (
            <rect class="chart-bar" x={(index * slot + GAP / 2).toFixed(1)} y={(plotHeight - height).toFixed(1)} width={(slot - GAP).toFixed(1)} height={height.toFixed(1)}>
              <title>{`${hourLabel(hours[index]!.start)} UTC: ${value}`}</title>
            </rect>
          )
        })}
        {[0, 6, 12, 18].map((index) =>
          hours[index] ? (
            <text class="chart-axis" x={(index * slot + 1).toFixed(1)} y={String(HEIGHT - 4)}>
              {hourLabel(hours[index]!.start)}
            </text>
          ) : null,
        )}
      </svg>
    </figure>
  )
}
