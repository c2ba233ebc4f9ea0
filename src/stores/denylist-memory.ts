import { systemClock, type Clock } from '../clock.js'
import type { Denylist, DenylistAnswer, RevokedEntry } from './denylist.js'

/**
 * In-process denylist for embedded mode: one instance only. It is rebuilt from the ledger at start-up,
 * so a restart forgets no revocation.
 */
export function createMemoryDenylist(clock: Clock = systemClock): Denylist {
  const now = () => clock.now().getTime()
  const expiries = new Map<string, number>()
  let complete = false

  function sweep() {
    const at = now()
    for (const [sessionId, expiresAt] of expiries) if (expiresAt <= at) expiries.delete(sessionId)
  }
  const sweeper = setInterval(sweep, 60_000)
  sweeper.unref()

  const revoke = (sessionId: string, ttlMs: number) => {
    expiries.set(sessionId, Math.max(expiries.get(sessionId) ?? 0, now() + ttlMs))
  }

  return {
    kind: 'memory',
    async revoke(sessionId, ttlMs) {
      revoke(sessionId, ttlMs)
    },
    async check(sessionId): Promise<DenylistAnswer> {
      if (!complete) return 'unknown'
      const expiresAt = expiries.get(sessionId)
      return expiresAt !== undefined && expiresAt > now() ? 'revoked' : 'not_revoked'
    },
    async isComplete() {
      return complete
    },
    async rebuild(load: () => Promise<RevokedEntry[]>) {
      for (const entry of await load()) revoke(entry.sessionId, entry.ttlMs)
      complete = true
      return true
    },
    async evictionPolicy() {
      return null
    },
    async ping() {},
    async close() {
      clearInterval(sweeper)
    },
  }
}
