import type { SessionRow } from '../stores/schema.js'

export interface TimeoutConfig {
  sessionIdleTimeoutMs: number
}

/** When the session ends if nothing else happens: the earlier of its idle end and its absolute end. */
export function sessionExpiresAt(session: Pick<SessionRow, 'lastActiveAt' | 'absoluteExpiresAt'>, config: TimeoutConfig): Date {
  const idleEnd = session.lastActiveAt.getTime() + config.sessionIdleTimeoutMs
  return new Date(Math.min(idleEnd, session.absoluteExpiresAt.getTime()))
}

/** Open (not ended) and not timed out at `now`. */
export function isSessionActive(session: SessionRow, config: TimeoutConfig, now: Date): boolean {
  return session.endedAt === null && now.getTime() < sessionExpiresAt(session, config).getTime()
}

/** Sessions last active before this have timed out at `at`: they are over, so there is nothing left to end. */
export function idleCutoff(at: Date, config: TimeoutConfig): Date {
  return new Date(at.getTime() - config.sessionIdleTimeoutMs)
}
