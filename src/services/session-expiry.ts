import type { SessionKind, SessionRow } from '../stores/schema.js'
import type { IdleCutoffs } from '../stores/sessions.js'

export interface TimeoutConfig {
  sessionIdleTimeoutMs: number
  /** Console sessions (an admin's console sign-in) time out sooner (CONSOLE_IDLE_TIMEOUT). */
  consoleIdleTimeoutMs: number
}

/** How long a session of this kind may go without activity. */
export function idleTimeoutMs(kind: SessionKind, config: TimeoutConfig): number {
  return kind === 'console' ? config.consoleIdleTimeoutMs : config.sessionIdleTimeoutMs
}

/** When the session ends if nothing else happens: the earlier of its idle end and its absolute end. */
export function sessionExpiresAt(session: Pick<SessionRow, 'lastActiveAt' | 'absoluteExpiresAt' | 'kind'>, config: TimeoutConfig): Date {
  const idleEnd = session.lastActiveAt.getTime() + idleTimeoutMs(session.kind, config)
  return new Date(Math.min(idleEnd, session.absoluteExpiresAt.getTime()))
}

/** Open (not ended) and not timed out at `now`. */
export function isSessionActive(session: SessionRow, config: TimeoutConfig, now: Date): boolean {
  return session.endedAt === null && now.getTime() < sessionExpiresAt(session, config).getTime()
}

/**
 * Sessions of each kind last active before their cutoff have timed out at `at`: they are over, so
 * there is nothing left to end.
 */
export function idleCutoff(at: Date, config: TimeoutConfig): IdleCutoffs {
  return {
    standard: new Date(at.getTime() - config.sessionIdleTimeoutMs),
    console: new Date(at.getTime() - config.consoleIdleTimeoutMs),
  }
}
