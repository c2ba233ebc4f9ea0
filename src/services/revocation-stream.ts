import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { AppError, DependencyError, type EndReason } from '../errors.js'
import { describeError, type Logger } from '../logger.js'
import { requestLogger } from '../request-context.js'
import type { Db } from '../stores/db.js'
import {
  appendRevocations,
  lastKeysChange,
  listRevocationsBetween,
  listRevocationsSince,
  oldestKept,
  readHead,
} from '../stores/revocation-log.js'
import type { RevocationLogRow } from '../stores/schema.js'
import { CLOCK_LEEWAY_SECONDS } from './tokens.js'

/** On top of the access TTL: how much longer the log keeps an entry (the contract's "at least + 5 min"). */
const RETENTION_MARGIN_MS = 5 * 60_000
/** Rows read per query while catching a subscriber up or tailing a burst. */
const PAGE = 500
/** Catch-up rounds before a subscriber that cannot reach the live tail is dropped (it reconnects with its cursor). */
const MAX_CATCH_UP_ROUNDS = 20

/** How long the log keeps an entry: a snapshot built from it knows every revocation whose tokens may still be valid. */
export function revocationLogRetentionMs(config: Pick<Config, 'accessTokenTtlMs'>): number {
  return config.accessTokenTtlMs + RETENTION_MARGIN_MS
}

export interface RevokedSession {
  sid: string
  sub: string | null
  reason: EndReason | null
  revokedAt: Date
}

/** What the stream sends, in order. Every event carries the `seq` the subscriber is at once it has applied it. */
export type StreamEvent =
  | ({ type: 'revoked'; seq: number } & RevokedSession)
  | { type: 'revoked_all'; seq: number; before: Date }
  | { type: 'keys_changed'; seq: number; kids: string[] }
  | { type: 'heartbeat'; seq: number; serverTime: Date }
  | { type: 'snapshot'; seq: number; serverTime: Date; revoked: RevokedSession[]; revokedAllBefore: Date | null }

export type StreamEventType = StreamEvent['type']

/** Where a subscriber's events go (the HTTP layer's SSE writer). `send` answers false when the subscriber cannot keep up. */
export interface StreamSink {
  send(events: StreamEvent[]): boolean
  close(): void
}

export interface Subscription {
  /** The connection is gone: stop sending to it. */
  unsubscribe(): void
}

export interface RevocationStreamDeps {
  db: Db
  clock: Clock
  config: Pick<Config, 'accessTokenTtlMs' | 'streamHeartbeatMs'>
  logger: Logger
  /** The key ids of the published key set, for `keys_changed`. */
  kids: string[]
  onSubscribers?: (count: number) => void
  onSent?: (type: StreamEventType, count: number) => void
  /** Seconds from a revocation's commit to this instance sending it live. */
  onLag?: (seconds: number) => void
}

interface Subscriber {
  sink: StreamSink
  /** The seq this subscriber has been sent everything up to. */
  cursor: number
  live: boolean
}

/**
 * The revocation stream of one instance. One tail per instance reads the log every STREAM_HEARTBEAT
 * (and at once when this instance revokes something) and fans each batch out to every live
 * subscriber, so a thousand subscribers cost one ledger poll, not a thousand. Polling alone is
 * enough for other instances' revocations (no LISTEN, which PgBouncer's transaction mode drops).
 *
 * The heartbeat's promise: `serverTime` is read before the head, the head names only committed rows
 * (stores/revocation-log.ts), and every row up to it is sent before the heartbeat, so every
 * revocation committed before `serverTime` has `seq ≤` the heartbeat's `seq` and has been sent.
 */
export function createRevocationStream({ db, clock, config, logger, kids, onSubscribers, onSent, onLag }: RevocationStreamDeps) {
  const subscribers = new Set<Subscriber>()
  /** The head the tail has read and sent up to; null until its first successful poll. */
  let tail: { seq: number; serverTime: Date } | null = null
  let polling: Promise<void> | null = null
  let pollAgain = false
  let timer: NodeJS.Timeout | null = null
  /** The last snapshot built, by head: a reconnect storm of cursor-less subscribers builds it once. */
  let lastSnapshot: { seq: number; event: Promise<StreamEvent> } | null = null
  /** Shutting down: no new subscribers (they reconnect to another instance). */
  let stopped = false

  function count(type: StreamEventType, n = 1) {
    if (n > 0) onSent?.(type, n)
  }

  /** Sends to one subscriber; one that cannot keep up is closed (it resumes from its cursor on reconnect). */
  function deliver(subscriber: Subscriber, events: StreamEvent[]): void {
    if (events.length === 0) return
    if (!subscriber.sink.send(events)) {
      drop(subscriber)
      return
    }
    for (const event of events) count(event.type)
    subscriber.cursor = Math.max(subscriber.cursor, events[events.length - 1]!.seq)
  }

  function drop(subscriber: Subscriber): void {
    if (!subscribers.delete(subscriber)) return
    subscriber.sink.close()
    onSubscribers?.(subscribers.size)
    if (subscribers.size === 0) stopTail()
  }

  /** Reads the committed head and every entry up to it, then fans them out with a heartbeat. */
  async function pollOnce(): Promise<void> {
    const serverTime = clock.now()
    const head = await readHead(db)
    const from = tail?.seq ?? head
    const rows: RevocationLogRow[] = []
    for (let after = from; after < head; ) {
      const page = await listRevocationsBetween(db, after, head, PAGE)
      if (page.length === 0) break
      rows.push(...page)
      after = page[page.length - 1]!.seq
    }
    tail = { seq: Math.max(head, tail?.seq ?? 0), serverTime }
    const events = rows.map(toEvent)
    const lagNow = clock.now().getTime()
    for (const row of rows) if (row.kind !== 'keys_changed') onLag?.(Math.max(0, (lagNow - row.at.getTime()) / 1000))
    for (const subscriber of [...subscribers]) {
      if (!subscriber.live) continue
      deliver(subscriber, events.filter((event) => event.seq > subscriber.cursor))
      if (subscribers.has(subscriber) && tail.seq >= subscriber.cursor) deliver(subscriber, [heartbeat()])
    }
  }

  function heartbeat(): StreamEvent {
    return { type: 'heartbeat', seq: tail!.seq, serverTime: tail!.serverTime }
  }

  /** One poll at a time; a wake-up during a poll runs one more right after it. */
  function poll(): Promise<void> {
    if (polling) {
      pollAgain = true
      return polling
    }
    polling = (async () => {
      try {
        do {
          pollAgain = false
          await pollOnce()
        } while (pollAgain)
      } finally {
        polling = null
      }
    })()
    return polling
  }

  function pollQuietly(): void {
    // A failed poll sends no heartbeat: verifiers see the stream go stale and ask /introspect.
    poll().catch((error: unknown) => requestLogger(logger).debug({ err: describeError(error) }, 'revocation stream poll failed'))
  }

  function startTail(): void {
    if (timer) return
    timer = setInterval(pollQuietly, config.streamHeartbeatMs)
    timer.unref()
  }

  function stopTail(): void {
    if (timer) clearInterval(timer)
    timer = null
    tail = null
  }

  /** A revocation committed on this instance: poll now rather than at the next heartbeat. */
  function wake(): void {
    if (subscribers.size > 0) pollQuietly()
  }

  /** Entries `after < seq ≤ upTo` as events, every page of them. */
  async function eventsBetween(after: number, upTo: number): Promise<StreamEvent[]> {
    const events: StreamEvent[] = []
    while (after < upTo) {
      const page = await listRevocationsBetween(db, after, upTo, PAGE)
      if (page.length === 0) break
      events.push(...page.map(toEvent))
      after = page[page.length - 1]!.seq
    }
    return events
  }

  /**
   * The snapshot at head `seq`, shared by every subscriber that asks while the head stays there (one
   * built a moment earlier vouches for an earlier `serverTime`: older, never too new).
   */
  function snapshotAt(seq: number, serverTime: Date): Promise<StreamEvent> {
    if (lastSnapshot?.seq === seq) return lastSnapshot.event
    const event = snapshot(seq, serverTime)
    lastSnapshot = { seq, event }
    event.catch(() => {
      if (lastSnapshot?.event === event) lastSnapshot = null
    })
    return event
  }

  /** Every revocation still relevant (its tokens may still be valid), as of the committed head `seq`. */
  async function snapshot(seq: number, serverTime: Date): Promise<StreamEvent> {
    const since = new Date(serverTime.getTime() - config.accessTokenTtlMs - CLOCK_LEEWAY_SECONDS * 1000 - RETENTION_MARGIN_MS)
    const rows = await listRevocationsSince(db, since, seq)
    const revoked = new Map<string, RevokedSession>()
    let revokedAllBefore: Date | null = null
    for (const row of rows) {
      if (row.kind === 'revoked' && row.sessionId) revoked.set(row.sessionId, revokedOf(row))
      if (row.kind === 'revoked_all') revokedAllBefore = row.at
    }
    return { type: 'snapshot', seq, serverTime, revoked: [...revoked.values()], revokedAllBefore }
  }

  return {
    /**
     * Starts a subscriber at `cursor` (Last-Event-ID), or with a snapshot when there is none or the
     * log no longer holds what follows it. The first reads happen before anything is sent, so a
     * ledger that is down is a 503, not an empty stream.
     */
    async subscribe(cursor: number | null, sink: StreamSink): Promise<Subscription> {
      if (stopped) throw new AppError('unavailable', { retryAfterSeconds: 1 })
      const subscriber: Subscriber = { sink, cursor: 0, live: false }
      let head: number
      let serverTime: Date
      let first: StreamEvent[]
      try {
        serverTime = clock.now()
        head = await readHead(db)
        const oldest = await oldestKept(db)
        // Gap-free, pruned only from the front: a cursor is usable while the row right after it is kept.
        const usable = cursor !== null && cursor <= head && (oldest === null ? cursor === head : cursor >= oldest - 1)
        first = usable ? await eventsBetween(cursor, head) : [await snapshotAt(head, serverTime)]
        subscriber.cursor = usable ? cursor : head
      } catch (error) {
        throw new DependencyError('postgres', error)
      }
      subscribers.add(subscriber)
      onSubscribers?.(subscribers.size)
      deliver(subscriber, [...first, { type: 'heartbeat', seq: head, serverTime }])
      startTail()
      void catchUp(subscriber)
      return { unsubscribe: () => drop(subscriber) }
    },

    wake,

    /**
     * Logs `keys_changed` when the published key set differs from the one last logged (a rotation or
     * a key incident), so verifiers on every instance refetch the JWKS.
     */
    async announceKeys(): Promise<boolean> {
      const last = await lastKeysChange(db)
      const before = Array.isArray(last?.details?.kids) ? [...(last.details.kids as string[])].sort() : null
      if (before && before.join(',') === [...kids].sort().join(',')) return false
      await db.transaction((tx) => appendRevocations(tx, clock.now(), [{ kind: 'keys_changed', details: { kids } }]))
      wake()
      return true
    },

    subscriberCount: () => subscribers.size,

    /** Closes every subscriber (shutdown: an open stream would hold the drain until its deadline). */
    async stop(): Promise<void> {
      stopped = true
      for (const subscriber of [...subscribers]) drop(subscriber)
      stopTail()
      await polling?.catch(() => {})
    },
  }

  /**
   * Brings a subscriber from its cursor to the tail's head, then makes it live. The last check and
   * going live happen with no await between them, so no batch the tail fans out can slip past it.
   */
  async function catchUp(subscriber: Subscriber): Promise<void> {
    try {
      for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
        if (!subscribers.has(subscriber)) return
        if (!tail) await poll()
        if (!tail || !subscribers.has(subscriber)) return
        if (subscriber.cursor >= tail.seq) {
          subscriber.live = true
          // Caught up past its first heartbeat: say so now rather than at the next tick.
          if (round > 0) deliver(subscriber, [heartbeat()])
          return
        }
        const upTo = tail.seq
        deliver(subscriber, await eventsBetween(subscriber.cursor, upTo))
        if (subscribers.has(subscriber)) subscriber.cursor = Math.max(subscriber.cursor, upTo)
      }
      drop(subscriber)
    } catch (error) {
      requestLogger(logger).debug({ err: describeError(error) }, 'revocation stream catch-up failed')
      drop(subscriber)
    }
  }
}

function revokedOf(row: RevocationLogRow): RevokedSession {
  return { sid: row.sessionId!, sub: row.userId, reason: (row.reason as EndReason | null) ?? null, revokedAt: row.at }
}

function toEvent(row: RevocationLogRow): StreamEvent {
  if (row.kind === 'revoked_all') return { type: 'revoked_all', seq: row.seq, before: row.at }
  if (row.kind === 'keys_changed') return { type: 'keys_changed', seq: row.seq, kids: (row.details?.kids as string[] | undefined) ?? [] }
  return { type: 'revoked', seq: row.seq, ...revokedOf(row) }
}

export type RevocationStream = ReturnType<typeof createRevocationStream>
