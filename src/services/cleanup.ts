import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { describeError, type Logger } from '../logger.js'
import { requestLogger } from '../request-context.js'
import type { Db } from '../stores/db.js'
import {
  deleteAuditEntriesBefore,
  deleteEndedSessions,
  deleteEventsBefore,
  deleteOpenSessionsIdleSince,
  deleteOpenSessionsPastAbsoluteEnd,
  deleteTombstonesBefore,
} from '../stores/retention.js'
import { pruneRevocationsBefore } from '../stores/revocation-log.js'
import { revocationLogRetentionMs } from './revocation-stream.js'

const BATCH_SIZE = 500

export interface CleanupDeps {
  db: Db
  clock: Clock
  config: Pick<
    Config,
    'sessionRetentionMs' | 'eventRetentionMs' | 'auditRetentionMs' | 'sessionIdleTimeoutMs' | 'consoleIdleTimeoutMs' | 'cleanupIntervalMs' | 'accessTokenTtlMs'
  >
  logger: Logger
}

export interface CleanupCounts {
  sessions: number
  events: number
  audit: number
  revocationLog: number
}

/** Deletes what is past retention, in small batches, so it never holds long locks on the ledger. */
export function createCleanupService({ db, clock, config, logger }: CleanupDeps) {
  let timer: NodeJS.Timeout | null = null
  let running: Promise<unknown> | null = null

  async function drain(deleteBatch: (limit: number) => Promise<number>): Promise<number> {
    let total = 0
    for (;;) {
      const deleted = await deleteBatch(BATCH_SIZE)
      total += deleted
      if (deleted < BATCH_SIZE) return total
    }
  }

  /**
   * Sessions ended (or timed out) more than SESSION_RETENTION ago, events older than EVENT_RETENTION
   * audit-log entries older than AUDIT_RETENTION, and revocation-log entries no token can outlive.
   */
  async function runOnce(): Promise<CleanupCounts> {
    const now = clock.now().getTime()
    const sessionCutoff = new Date(now - config.sessionRetentionMs)
    // A session idle this long timed out SESSION_RETENTION ago (console sessions time out sooner).
    const idleCutoff = {
      standard: new Date(now - config.sessionRetentionMs - config.sessionIdleTimeoutMs),
      console: new Date(now - config.sessionRetentionMs - config.consoleIdleTimeoutMs),
    }
    const sessions =
      (await drain((limit) => deleteEndedSessions(db, sessionCutoff, limit))) +
      (await drain((limit) => deleteOpenSessionsPastAbsoluteEnd(db, sessionCutoff, limit))) +
      (await drain((limit) => deleteOpenSessionsIdleSince(db, idleCutoff, limit))) +
      (await drain((limit) => deleteTombstonesBefore(db, sessionCutoff, limit)))
    const events = await drain((limit) => deleteEventsBefore(db, new Date(now - config.eventRetentionMs), limit))
    const audit = await drain((limit) => deleteAuditEntriesBefore(db, new Date(now - config.auditRetentionMs), limit))
    const revocationLog = await drain((limit) => pruneRevocationsBefore(db, new Date(now - revocationLogRetentionMs(config)), limit))
    if (sessions + events + audit + revocationLog > 0) requestLogger(logger).info({ sessions, events, audit, revocationLog }, 'retention cleanup')
    return { sessions, events, audit, revocationLog }
  }

  return {
    runOnce,

    /** Runs every CLEANUP_INTERVAL (with jitter, so instances started together do not run in step). */
    start() {
      const schedule = () => {
        const delay = config.cleanupIntervalMs * (0.75 + Math.random() * 0.5)
        timer = setTimeout(() => {
          running = runOnce()
            .catch((error: unknown) => requestLogger(logger).warn({ err: describeError(error) }, 'retention cleanup failed'))
            .finally(schedule)
        }, delay)
        timer.unref()
      }
      schedule()
    },

    async stop() {
      if (timer) clearTimeout(timer)
      timer = null
      await running
    },
  }
}

export type CleanupService = ReturnType<typeof createCleanupService>
