import type { SessionRow, UserRow } from '../stores/schema.js'
import { sessionExpiresAt, type TimeoutConfig } from '../services/session-clock.js'
import type { IssuedTokens } from '../services/sessions.js'

// The only place Dates become ISO strings.

export function presentUser(user: UserRow) {
  return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() }
}

export function presentSession(session: SessionRow, config: TimeoutConfig, currentSessionId: string | null) {
  return {
    id: session.id,
    device: session.device,
    ip: session.ip,
    location: session.location,
    createdAt: session.createdAt.toISOString(),
    lastActiveAt: session.lastActiveAt.toISOString(),
    expiresAt: sessionExpiresAt(session, config).toISOString(),
    current: session.id === currentSessionId,
  }
}

export function presentTokenPair(issued: IssuedTokens, config: TimeoutConfig) {
  return {
    accessToken: issued.accessToken,
    tokenType: 'Bearer' as const,
    expiresIn: issued.expiresIn,
    refreshToken: issued.refreshToken,
    refreshTokenExpiresAt: issued.refreshTokenExpiresAt.toISOString(),
    session: presentSession(issued.session, config, issued.session.id),
  }
}
