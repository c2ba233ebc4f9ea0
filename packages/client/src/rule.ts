/**
 * What a verifier knows from the revocation stream, and the contract's rule on it. Pure: no I/O,
 * no clock of its own, so the rule can be checked over random interleavings (test/rule.test.ts).
 */
export interface Knowledge {
  /** Revoked session ids → when they were revoked (ms). */
  revoked: Map<string, number>
  /** Every token issued before this instant (ms) is revoked; null when no revoke-all is known. */
  revokedAllBefore: number | null
  /** Revocations before this instant (ms) may have been forgotten (pruned): older tokens are not judged offline. */
  forgottenBefore: number | null
  /** The last heartbeat (or snapshot) applied in full: its seq, and the instant it vouches for (ms). */
  fresh: { seq: number; at: number } | null
}

export function emptyKnowledge(): Knowledge {
  return { revoked: new Map(), revokedAllBefore: null, forgottenBefore: null, fresh: null }
}

/** The claims of a token whose signature and registered claims are already verified. */
export interface VerifiedClaims {
  sid: string
  /** Seconds, as in the JWT. */
  iat: number
}

/** `accept`: valid offline; `revoked`: known revoked; `ask`: freshness unknown, ask /introspect. */
export type Decision = 'accept' | 'revoked' | 'ask'

/**
 * The contract's rule: accept offline only while the `sid` is not revoked, the `iat` is after the last
 * `revoked_all`, and the last heartbeat fully applied is younger than `maxStalenessMs`; otherwise ask.
 * A revocation is permanent, so a known one answers `revoked` whatever the freshness.
 */
export function decide(knowledge: Knowledge, claims: VerifiedClaims, nowMs: number, maxStalenessMs: number): Decision {
  if (knowledge.revoked.has(claims.sid)) return 'revoked'
  const issuedAtMs = claims.iat * 1000
  if (knowledge.revokedAllBefore !== null) {
    // `iat` has whole seconds: a token of the cutoff's own second may have been issued just after it.
    if (issuedAtMs + 1000 <= knowledge.revokedAllBefore) return 'revoked'
    if (issuedAtMs <= knowledge.revokedAllBefore) return 'ask'
  }
  if (knowledge.forgottenBefore !== null && issuedAtMs <= knowledge.forgottenBefore) return 'ask'
  // Written so that a NaN anywhere asks rather than accepts.
  if (!knowledge.fresh || !(nowMs - knowledge.fresh.at < maxStalenessMs)) return 'ask'
  return 'accept'
}

/**
 * The instant a heartbeat vouches for, on this machine's clock: the earlier of its `serverTime` and
 * when it arrived. A heartbeat held back by a stalled proxy vouches only for when it was sent; a server
 * clock ahead of ours cannot make stale news look fresh.
 */
export function vouchedAt(serverTimeMs: number, receivedAtMs: number): number {
  return Math.min(serverTimeMs, receivedAtMs)
}

/** The stream's events as the verifier reads them (times in ms on the server's clock). */
export type StreamMessage =
  | { type: 'revoked'; seq: number; sid: string; revokedAt: number }
  | { type: 'revoked_all'; seq: number; before: number }
  | { type: 'keys_changed'; seq: number }
  | { type: 'heartbeat'; seq: number; serverTime: number }
  | { type: 'snapshot'; seq: number; serverTime: number; revoked: { sid: string; revokedAt: number }[]; revokedAllBefore: number | null }

/**
 * Applies one event, in stream order, received at `receivedAtMs`. Knowledge only grows: a revocation
 * is never forgotten here (see `forget`), and freshness moves only with a heartbeat or a snapshot,
 * which the server sends after every event up to its seq.
 */
export function apply(knowledge: Knowledge, message: StreamMessage, receivedAtMs: number): void {
  switch (message.type) {
    case 'revoked':
      knowledge.revoked.set(message.sid, message.revokedAt)
      return
    case 'revoked_all':
      knowledge.revokedAllBefore = Math.max(knowledge.revokedAllBefore ?? message.before, message.before)
      return
    case 'keys_changed':
      return
    case 'snapshot':
      for (const entry of message.revoked) knowledge.revoked.set(entry.sid, entry.revokedAt)
      if (message.revokedAllBefore !== null) knowledge.revokedAllBefore = Math.max(knowledge.revokedAllBefore ?? message.revokedAllBefore, message.revokedAllBefore)
      knowledge.fresh = { seq: message.seq, at: vouchedAt(message.serverTime, receivedAtMs) }
      return
    case 'heartbeat':
      knowledge.fresh = { seq: message.seq, at: vouchedAt(message.serverTime, receivedAtMs) }
  }
}

/**
 * Forgets revocations made before `beforeMs` (memory stays bounded); tokens issued before then are
 * no longer judged offline (`forgottenBefore`), so forgetting never turns into accepting.
 */
export function forget(knowledge: Knowledge, beforeMs: number): void {
  let forgot = false
  for (const [sid, revokedAt] of knowledge.revoked) {
    if (revokedAt < beforeMs) {
      knowledge.revoked.delete(sid)
      forgot = true
    }
  }
  if (forgot) knowledge.forgottenBefore = Math.max(knowledge.forgottenBefore ?? beforeMs, beforeMs)
}
