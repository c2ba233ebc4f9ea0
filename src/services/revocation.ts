import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { DependencyError } from '../errors.js'
import { describeError, type Logger } from '../logger.js'
import { requestLogger } from '../request-context.js'
import type { Db, Tx } from '../stores/db.js'
import type { Denylist, RevokedEntry } from '../stores/denylist.js'
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
}

/**
 * Answers "is this session revoked?" from the denylist, falling back to the ledger whenever the
 * denylist cannot be trusted, and keeps the denylist in step with the ledger. Never caches "not revoked".
 */
export function createRevocationService({ db, denylist, clock, config, logger, onLookup }: RevocationDeps) {
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

    /**
     * Runs `end` in one ledger transaction (ending rows, recording events), then publishes the ids it
     * returns. Ledger first: the denylist only makes the revocation visible on every instance at once.
     * Returns how many ids were published.
     */
    async endThenPublish(end: (tx: Tx, at: Date) => Promise<string[]>): Promise<number> {
      const at = clock.now()
      const ended = await db.transaction((tx) => end(tx, at))
      if (ended.length > 0) await publish(ended)
      return ended.length
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


export type RevocationService = ReturnType<typeof createRevocationService>
