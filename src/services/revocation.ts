import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { DependencyError } from '../errors.js'
import { describeError, type Logger } from '../logger.js'
import { requestLogger } from '../request-context.js'
import type { Db, Tx } from '../stores/db.js'
import type { Denylist, RevokedEntry } from '../stores/denylist.js'
import { appendRevocations } from '../stores/revocation-log.js'
import type { SessionRow } from '../stores/schema.js'
import { findSession, listSessionsEndedSince } from '../stores/sessions.js'
import { CLOCK_LEEWAY_SECONDS } from './tokens.js'

/** Margin on top of the access TTL so a token verified with clock leeway never outlives its denylist entry. */
const DENYLIST_MARGIN_MS = CLOCK_LEEWAY_SECONDS * 1000 + 60_000
/** The reconcile re-pushes what ended since its previous run, with this overlap for in-flight commits. */
const RECONCILE_OVERLAP_MS = 10_000

export interface RevocationDeps {
  db: Db
  denylist: Denylist
  clock: Clock
  config: Pick<Config, 'accessTokenTtlMs' | 'denylistReconcileMs'>
  logger: Logger
  /** Which source answered a lookup, for metrics. */
  onLookup?: (source: 'redis' | 'ledger') => void
  /** A revocation has committed: wakes this instance's revocation stream at once. */
  onCommitted?: () => void
}

/**
 * What one revocation transaction ended. `log` writes it to the revocation stream's log inside that
 * transaction; after the commit `publish` makes it visible to the denylist.
 */
export interface Revocations {
  /** Sessions that ended now: one `revoked` entry each (unless `all`). */
  ended: Pick<SessionRow, 'id' | 'userId' | 'endReason'>[]
  /** Every session of every user ended (revoke-all): one `revoked_all` entry, cutting off every token issued before. */
  all?: boolean
  /** Published again without a new entry: a logout of a session that had already ended (a previous publish may have failed). */
  republish?: string[]
}

/**
 * Answers "is this session revoked?" from the denylist, falling back to the ledger whenever the
 * denylist cannot be trusted, and keeps the denylist in step with the ledger. Never caches "not revoked".
 */
export function createRevocationService({ db, denylist, clock, config, logger, onLookup, onCommitted }: RevocationDeps) {
  const ttlMs = config.accessTokenTtlMs + DENYLIST_MARGIN_MS
  let rebuilding: Promise<void> | null = null
  let needsRebuild = true
  let lastReconcileAt: Date | null = null
  let timer: NodeJS.Timeout | null = null

  async function entriesEndedSince(since: Date): Promise<RevokedEntry[]> {
    const now = clock.now().getTime()
    const ended = await listSessionsEndedSince(db, since)
    return ended
      .map(({ id, endedAt }) => ({ sessionId: id, ttlMs: endedAt.getTime() + ttlMs - now }))
      .filter((entry) => entry.ttlMs > 0)
  }

  /** Refills the denylist from the ledger; concurrent callers share one run. */
  function rebuild(): Promise<void> {
    rebuilding ??= (async () => {
      try {
        const startedAt = clock.now()
        const complete = await denylist.rebuild(() => entriesEndedSince(new Date(startedAt.getTime() - ttlMs)))
        if (complete) {
          needsRebuild = false
          lastReconcileAt = startedAt
          requestLogger(logger).info({ denylist: denylist.kind }, 'denylist rebuilt from the ledger')
        }
      } catch (error) {
        needsRebuild = true
        requestLogger(logger).warn({ err: describeError(error) }, 'denylist rebuild failed; the ledger answers meanwhile')
      } finally {
        rebuilding = null
      }
    })()
    return rebuilding
  }

  /** Periodic: a full rebuild when the list was lost or missed a write, else re-push what ended lately. */
  async function reconcile(): Promise<void> {
    try {
      if (needsRebuild || !(await denylist.isComplete())) return await rebuild()
      const startedAt = clock.now()
      const since = new Date((lastReconcileAt ?? startedAt).getTime() - RECONCILE_OVERLAP_MS)
      for (const entry of await entriesEndedSince(since)) await denylist.revoke(entry.sessionId, entry.ttlMs)
      lastReconcileAt = startedAt
    } catch (error) {
      needsRebuild = true
      requestLogger(logger).debug({ err: describeError(error) }, 'denylist reconcile failed')
    }
  }

  /**
   * Makes revocations already committed to the ledger visible on every instance. Throws a
   * DependencyError (503) when the denylist cannot take them: the caller must not report success yet.
   */
  async function publish(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return
    onCommitted?.()
    try {
      await Promise.all(sessionIds.map((sessionId) => denylist.revoke(sessionId, ttlMs)))
    } catch (error) {
      needsRebuild = true
      throw new DependencyError('redis', error)
    }
  }

  return {
    /** True when the session is revoked or gone; asks the ledger when the denylist cannot answer. */
    async isRevoked(sessionId: string): Promise<boolean> {
      const answer = await denylist.check(sessionId)
      if (answer !== 'unknown') {
        onLookup?.('redis')
        return answer === 'revoked'
      }
      onLookup?.('ledger')
      needsRebuild = true
      void rebuild()
      return isRevokedInLedger(sessionId)
    },

    publish,
    log,

    /**
     * Runs `end` in one ledger transaction (ending rows, recording events) and logs what it ended in
     * that same transaction, then publishes. Ledger first: the denylist only makes the revocation
     * visible on every instance at once. Returns how many sessions ended.
     */
    async endThenPublish(end: (tx: Tx, at: Date) => Promise<Revocations>): Promise<number> {
      const at = clock.now()
      const revocations = await db.transaction(async (tx) => {
        const result = await end(tx, at)
        await log(tx, at, result)
        return result
      })
      // A revoke-all may have ended nothing, yet its cutoff is news for the stream.
      if (revocations.all) onCommitted?.()
      await publish(idsToPublish(revocations))
      return revocations.ended.length
    },

    rebuild,
    reconcile,

    /** Rebuilds once (best effort: the ledger answers until it succeeds) and starts the reconcile loop. */
    async start(): Promise<void> {
      await rebuild()
      timer = setInterval(() => void reconcile(), config.denylistReconcileMs)
      timer.unref()
    },

    async stop(): Promise<void> {
      if (timer) clearInterval(timer)
      timer = null
      await rebuilding
    },
  }

  /**
   * Writes what a transaction ended to the revocation stream's log, in that transaction. Must be its
   * last statement: from here to the commit it holds the log's head lock (see appendRevocations).
   */
  async function log(tx: Tx, at: Date, revocations: Revocations): Promise<void> {
    if (revocations.all) {
      await appendRevocations(tx, at, [{ kind: 'revoked_all' }])
      return
    }
    const entries = revocations.ended.map((row) => ({ kind: 'revoked' as const, sessionId: row.id, userId: row.userId, reason: row.endReason }))
    await appendRevocations(tx, at, entries)
  }

  async function isRevokedInLedger(sessionId: string): Promise<boolean> {
    let session
    try {
      session = await findSession(db, sessionId)
    } catch (error) {
      throw new DependencyError('postgres', error)
    }
    // A session that is gone (its user was deleted) counts as revoked.
    return !session || session.endedAt !== null
  }
}


/** The ids a committed revocation publishes to the denylist. */
function idsToPublish(revocations: Revocations): string[] {
  return [...revocations.ended.map((row) => row.id), ...(revocations.republish ?? [])]
}

export type RevocationService = ReturnType<typeof createRevocationService>
