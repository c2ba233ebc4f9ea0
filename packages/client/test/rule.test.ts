import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { apply, decide, emptyKnowledge, forget, type StreamMessage } from '../src/rule.js'

const MAX_STALENESS_MS = 1000
const SIDS = ['a', 'b', 'c', 'd']

interface Commit {
  at: number
  seq: number
  kind: 'revoked' | 'revoked_all'
  sid: string
}

/**
 * One simulated run: the server's log (commits in seq order), its heartbeats every `heartbeatMs`, a
 * transport that delays (a stalled proxy holds bytes for seconds) and drops connections, and a client
 * that resumes from its cursor, exactly as the protocol says. Returns what the client received, in order.
 */
function simulate(run: {
  commits: { at: number; sid: number; all: boolean }[]
  heartbeatMs: number
  delays: number[]
  drops: { at: number; forMs: number }[]
  endMs: number
}): { commits: Commit[]; received: { at: number; message: StreamMessage }[] } {
  const commits: Commit[] = [...run.commits]
    .sort((x, y) => x.at - y.at)
    .map((commit, i) => ({ at: commit.at, seq: i + 1, kind: commit.all ? 'revoked_all' : 'revoked', sid: SIDS[commit.sid % SIDS.length]! }))
  const headAt = (t: number) => commits.filter((commit) => commit.at <= t).length
  const asMessage = (commit: Commit): StreamMessage =>
    commit.kind === 'revoked' ? { type: 'revoked', seq: commit.seq, sid: commit.sid, revokedAt: commit.at } : { type: 'revoked_all', seq: commit.seq, before: commit.at }

  const received: { at: number; message: StreamMessage }[] = []
  let cursor = 0
  let lastReceive = 0
  let delayIndex = 0
  const drops = [...run.drops].sort((x, y) => x.at - y.at)
  const isDown = (t: number) => drops.some((drop) => t >= drop.at && t < drop.at + drop.forMs)
  // What the server sends at instant t on a live connection: every committed entry after the cursor, then a heartbeat.
  const send = (t: number) => {
    const head = headAt(t)
    const batch: StreamMessage[] = commits.filter((commit) => commit.seq > cursor && commit.seq <= head).map(asMessage)
    batch.push({ type: 'heartbeat', seq: head, serverTime: t })
    const delay = run.delays[delayIndex++ % run.delays.length]!
    const arrival = Math.max(lastReceive, t + delay)
    // Dropped in flight: the connection went down before these bytes arrived.
    if (isDown(arrival) || drops.some((drop) => drop.at > t && drop.at <= arrival)) return
    lastReceive = arrival
    for (const message of batch) received.push({ at: arrival, message })
    cursor = head
  }
  for (let t = 0; t <= run.endMs; t += run.heartbeatMs) {
    if (!isDown(t)) send(t)
    // Reconnection right after a drop ends: resume from the cursor at once (Last-Event-ID).
    for (const drop of drops) {
      const back = drop.at + drop.forMs
      if (back > t && back <= t + run.heartbeatMs && !isDown(back)) send(back)
    }
  }
  received.sort((x, y) => x.at - y.at || x.message.seq - y.message.seq)
  return { commits, received }
}

const runs = fc.record({
  commits: fc.array(fc.record({ at: fc.integer({ min: 0, max: 8000 }), sid: fc.nat(), all: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }), { maxLength: 12 }),
  heartbeatMs: fc.integer({ min: 50, max: 600 }),
  delays: fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 4000 })), { minLength: 1, maxLength: 20 }),
  drops: fc.array(fc.record({ at: fc.integer({ min: 0, max: 8000 }), forMs: fc.integer({ min: 1, max: 3000 }) }), { maxLength: 3 }),
  requests: fc.array(fc.record({ at: fc.integer({ min: 0, max: 10_000 }), sid: fc.nat(), iatMs: fc.integer({ min: 0, max: 10_000 }) }), { minLength: 1, maxLength: 30 }),
  endMs: fc.constant(10_000),
})

describe('the offline decision rule', () => {
  it('never accepts a token whose revocation committed more than maxStaleness before the request (random interleavings)', () => {
    fc.assert(
      fc.property(runs, (run) => {
        const { commits, received } = simulate(run)
        for (const request of run.requests) {
          const sid = SIDS[request.sid % SIDS.length]!
          const knowledge = emptyKnowledge()
          for (const { at, message } of received) if (at <= request.at) apply(knowledge, message, at)
          const decision = decide(knowledge, { sid, iat: Math.floor(request.iatMs / 1000) }, request.at, MAX_STALENESS_MS)
          if (decision !== 'accept') continue
          // A token is issued before its session's revocation; a revoke-all cuts every token issued before it.
          const killedLongAgo = commits.some(
            (commit) => commit.at <= request.at - MAX_STALENESS_MS && (commit.kind === 'revoked_all' ? request.iatMs < commit.at : commit.sid === sid && request.iatMs <= commit.at),
          )
          expect(killedLongAgo).toBe(false)
        }
      }),
      { numRuns: 400 },
    )
  })

  it('accepts a fresh, unrevoked token offline and asks when the last heartbeat is too old', () => {
    const knowledge = emptyKnowledge()
    apply(knowledge, { type: 'heartbeat', seq: 0, serverTime: 10_000 }, 10_000)
    expect(decide(knowledge, { sid: 'a', iat: 9 }, 10_500, MAX_STALENESS_MS)).toBe('accept')
    expect(decide(knowledge, { sid: 'a', iat: 9 }, 11_000, MAX_STALENESS_MS)).toBe('ask')
  })

  it('judges a revoked session revoked whatever the freshness, and a revoke-all by the token iat', () => {
    const knowledge = emptyKnowledge()
    apply(knowledge, { type: 'revoked', seq: 1, sid: 'a', revokedAt: 5000 }, 5000)
    apply(knowledge, { type: 'revoked_all', seq: 2, before: 7500 }, 7500)
    apply(knowledge, { type: 'heartbeat', seq: 2, serverTime: 8000 }, 8000)
    expect(decide(knowledge, { sid: 'a', iat: 9 }, 99_000, MAX_STALENESS_MS)).toBe('revoked')
    expect(decide(knowledge, { sid: 'b', iat: 6 }, 8100, MAX_STALENESS_MS)).toBe('revoked')
    // Issued in the cutoff's own second: maybe after it; sessiond decides.
    expect(decide(knowledge, { sid: 'b', iat: 7 }, 8100, MAX_STALENESS_MS)).toBe('ask')
    expect(decide(knowledge, { sid: 'b', iat: 8 }, 8100, MAX_STALENESS_MS)).toBe('accept')
  })

  it('vouches for the earlier of serverTime and arrival: a heartbeat held back by a proxy is not fresh news', () => {
    const knowledge = emptyKnowledge()
    apply(knowledge, { type: 'heartbeat', seq: 3, serverTime: 1000 }, 4000)
    expect(decide(knowledge, { sid: 'a', iat: 3 }, 4100, MAX_STALENESS_MS)).toBe('ask')
  })

  it('asks about tokens older than the revocations it has forgotten, and about a heartbeat with no valid time', () => {
    const knowledge = emptyKnowledge()
    apply(knowledge, { type: 'revoked', seq: 1, sid: 'a', revokedAt: 1000 }, 1000)
    apply(knowledge, { type: 'heartbeat', seq: 1, serverTime: 50_000 }, 50_000)
    forget(knowledge, 2000)
    expect(knowledge.revoked.size).toBe(0)
    expect(decide(knowledge, { sid: 'a', iat: 0 }, 50_100, MAX_STALENESS_MS)).toBe('ask')
    apply(knowledge, { type: 'heartbeat', seq: 1, serverTime: Number.NaN }, 50_200)
    expect(decide(knowledge, { sid: 'b', iat: 49 }, 50_300, MAX_STALENESS_MS)).toBe('ask')
  })
})
