import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { Db } from '../stores/db.js'
import { countEventsByHour, type SecurityEventType } from '../stores/events.js'
import { countSessionsActiveSince } from '../stores/sessions.js'
import { idleCutoff } from './session-expiry.js'

const HOUR_MS = 3_600_000

/** What the console's overview charts, per hour: the shapes an attack draws. */
export const OVERVIEW_SERIES = ['login', 'login_failed', 'new_device_login', 'refresh_token_reused'] as const satisfies readonly SecurityEventType[]
export type OverviewSeries = (typeof OVERVIEW_SERIES)[number]

export interface HourCounts {
  /** The start of the UTC hour. */
  start: Date
  counts: Record<OverviewSeries, number>
}

export interface Overview {
  at: Date
  activeSessions: number
  /** The last 24 hours, oldest first; the last one is the hour in progress. */
  hours: HourCounts[]
}

/**
 * The console's overview: how many sessions are active now, and the security events per hour over
 * the last day (from the ledger, so every instance draws the same chart).
 */
export function createConsoleOverview({ db, clock, config }: { db: Db; clock: Clock; config: Pick<Config, 'sessionIdleTimeoutMs' | 'consoleIdleTimeoutMs'> }) {
  return {
    async read(): Promise<Overview> {
      const at = clock.now()
      const currentHour = Math.floor(at.getTime() / HOUR_MS) * HOUR_MS
      const since = new Date(currentHour - 23 * HOUR_MS)
      const [activeSessions, rows] = await Promise.all([
        countSessionsActiveSince(db, idleCutoff(at, config)),
        countEventsByHour(db, { since, types: OVERVIEW_SERIES }),
      ])
      const hours: HourCounts[] = Array.from({ length: 24 }, (_, index) => ({
        start: new Date(since.getTime() + index * HOUR_MS),
        counts: { login: 0, login_failed: 0, new_device_login: 0, refresh_token_reused: 0 },
      }))
      for (const row of rows) {
        const index = Math.round((row.hour.getTime() - since.getTime()) / HOUR_MS)
        const hour = hours[index]
        if (hour) hour.counts[row.type as OverviewSeries] += row.n
      }
      return { at, activeSessions, hours }
    },
  }
}

export type ConsoleOverview = ReturnType<typeof createConsoleOverview>
