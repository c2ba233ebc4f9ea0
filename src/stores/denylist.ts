/**
 * A fast list of revoked session ids. Postgres is the truth; the denylist only makes a revocation
 * visible to every instance at once. `check` answers `unknown` when the list cannot be trusted
 * (its store was flushed or restarted, or does not answer), and the caller then asks the ledger.
 */
export type DenylistAnswer = 'revoked' | 'not_revoked' | 'unknown'

export interface RevokedEntry {
  sessionId: string
  ttlMs: number
}

export interface Denylist {
  readonly kind: 'redis' | 'memory'
  /** Puts a session on the list for `ttlMs`. Throws when the store cannot take it. */
  revoke(sessionId: string, ttlMs: number): Promise<void>
  /** One round trip: is this session revoked, or is the list itself not to be trusted? */
  check(sessionId: string): Promise<DenylistAnswer>
  /** True while the list holds everything the ledger says it should (the completeness marker is present). */
  isComplete(): Promise<boolean>
  /**
   * Refills the list from `load()` (called after the rebuild has started, so nothing ended before it is
   * missed) and only then marks it complete. Returns false when the store was flushed mid-way.
   */
  rebuild(load: () => Promise<RevokedEntry[]>): Promise<boolean>
  /**
   * The store's eviction policy (Redis `maxmemory-policy`), or null where nothing is ever evicted
   * (in-process). Anything but `noeviction` can drop the list: revocations stay correct (the ledger
   * answers until a rebuild), but every lookup after an eviction costs a ledger query.
   */
  evictionPolicy(): Promise<string | null>
  /** Throws when the store does not answer (for /readyz). */
  ping(): Promise<void>
  close(): Promise<void>
}
