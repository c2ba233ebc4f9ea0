import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { AppError, type EndReason } from '../errors.js'
import { clientFields, type ClientInfo } from '../client-info.js'
import type { Db, Executor, Tx } from '../stores/db.js'
import { hasLoggedInFrom } from '../stores/events.js'
import type { EventRecorder } from './events.js'
import type { LoginResult, RefreshOutcome } from '../metrics.js'
import type { Logger } from '../logger.js'
import { requestLogger } from '../request-context.js'
import {
  findNewestRefreshToken,
  findRefreshTokenByHash,
  insertRefreshToken,
  retireRefreshToken,
} from '../stores/refresh-tokens.js'
import type { SessionKind, SessionRow, UserRow } from '../stores/schema.js'
import {
  endSession,
  endSessionsOfUser,
  findSession,
  insertSession,
  listOpenSessions,
  lockSession,
  touchSession,
} from '../stores/sessions.js'
import { findUserById, lockUser, setPassword } from '../stores/users.js'
import type { AccountService } from './accounts.js'
import type { KeySet } from './keys.js'
import type { RevocationService } from './revocation.js'
import { isSessionActive, sessionExpiresAt } from './session-expiry.js'
import { hashToken, mintRefreshToken, successorRefreshToken, type AccessClaims, type TokenService } from './tokens.js'

/** The caller behind a verified, unrevoked access token. */
export interface Auth {
  userId: string
  sessionId: string
  claims: AccessClaims
}

export interface IssuedTokens {
  accessToken: string
  expiresIn: number
  refreshToken: string
  refreshTokenExpiresAt: Date
  session: SessionRow
  /** The service clock's instant the pair was issued (for cookie lifetimes). */
  issuedAt: Date
}

export interface SessionDeps {
  db: Db
  clock: Clock
  config: Pick<Config, 'sessionIdleTimeoutMs' | 'consoleIdleTimeoutMs' | 'sessionAbsoluteTtlMs' | 'consoleAbsoluteTtlMs' | 'refreshReuseGraceMs' | 'maxSessionsPerUser' | 'sessionLimitPolicy'>
  accounts: AccountService
  tokens: TokenService
  keys: KeySet
  revocation: RevocationService
  events: EventRecorder
  logger: Logger
  onRefresh?: (outcome: RefreshOutcome) => void
  onLogin?: (result: LoginResult) => void
}

type RefreshResult =
  | { kind: 'issued'; session: SessionRow; refreshToken: string; grace: boolean }
  | { kind: 'unknown' }
  | { kind: 'expired' }
  | { kind: 'ended'; reason: EndReason }
  | { kind: 'reused'; sessionId: string; userId: string }

export function createSessionService({ db, clock, config, accounts, tokens, keys, revocation, events, logger, onRefresh, onLogin }: SessionDeps) {
  async function issueTokens(session: SessionRow, refreshToken: string, now: Date): Promise<IssuedTokens> {
    const endsAt = sessionExpiresAt(session, config)
    const access = await tokens.signAccessToken({
      userId: session.userId,
      sessionId: session.id,
      authTime: session.authTime,
      now,
      sessionEndsAt: endsAt,
    })
    return { accessToken: access.token, expiresIn: access.expiresIn, refreshToken, refreshTokenExpiresAt: endsAt, session, issuedAt: now }
  }

  /** The user's sessions neither ended nor timed out at `now`, most recently active first. */
  async function activeSessionsOf(executor: Executor, userId: string, now: Date): Promise<SessionRow[]> {
    return (await listOpenSessions(executor, userId)).filter((session) => isSessionActive(session, config, now))
  }

  /**
   * Makes room for one more session: ends the least recently active ones, or refuses (409). Console
   * sessions neither count nor are evicted: signing in to the console ends none of the user's own.
   */
  async function enforceSessionLimit(tx: Executor, userId: string, now: Date): Promise<SessionRow[]> {
    if (config.maxSessionsPerUser === 0) return []
    const active = (await activeSessionsOf(tx, userId, now)).filter((session) => session.kind === 'standard')
    const excess = active.length - config.maxSessionsPerUser + 1
    if (excess <= 0) return []
    if (config.sessionLimitPolicy === 'reject') throw new AppError('session_limit_reached')
    // listOpenSessions is most recently active first: the oldest are at the end.
    const victims = active.slice(-excess)
    for (const victim of victims) await endSession(tx, { id: victim.id, reason: 'evicted', at: now })
    return victims
  }

  /**
   * Ends the session (if still open) with a `logout` event, then publishes the revocation; published
   * even when the ledger had already ended it: a previous publish may have failed (503).
   */
  async function logoutSession(sessionId: string, client: ClientInfo): Promise<void> {
    await revocation.endThenPublish(async (tx, at) => {
      const row = await endSession(tx, { id: sessionId, reason: 'logout', at })
      if (!row) return { ended: [], republish: [sessionId] }
      await events.record(tx, { userId: row.userId, type: 'logout', at, sessionId, ...clientFields(client) })
      return { ended: [row] }
    })
  }

  /** The session row, if it is still active (ended or timed out → null). */
  async function activeSession(sessionId: string): Promise<SessionRow | null> {
    const session = await findSession(db, sessionId)
    return session && isSessionActive(session, config, clock.now()) ? session : null
  }

  /**
   * Counts an authenticated call as activity. A ledger write per request is not needed: the idle
   * timeout is days or minutes, so once a minute is plenty. Returns the row as it now stands.
   */
  async function recordActivity(session: SessionRow): Promise<SessionRow> {
    const now = clock.now()
    if (now.getTime() - session.lastActiveAt.getTime() < ACTIVITY_RESOLUTION_MS) return session
    await touchSession(db, session.id, now)
    return { ...session, lastActiveAt: now }
  }

  /**
   * Inserts a new session of `userId` with its first refresh token (generation 0). A console session
   * is labelled `… (console)` wherever sessions are listed, and has the console's absolute TTL.
   */
  async function insertSessionWithFirstToken(
    tx: Tx,
    userId: string,
    client: ClientInfo,
    now: Date,
    refreshToken: string,
    kind: SessionKind = 'standard',
  ): Promise<SessionRow> {
    const isConsole = kind === 'console'
    const row = await insertSession(tx, {
      id: randomUUID(),
      userId,
      kind,
      device: isConsole ? `${client.device} (console)` : client.device,
      userAgent: client.userAgent,
      ip: client.ip,
      location: client.location,
      createdAt: now,
      lastActiveAt: now,
      absoluteExpiresAt: new Date(now.getTime() + (isConsole ? config.consoleAbsoluteTtlMs : config.sessionAbsoluteTtlMs)),
      authTime: now,
    })
    await insertRefreshToken(tx, { sessionId: row.id, tokenHash: hashToken(refreshToken), generation: 0, at: now })
    return row
  }

  /**
   * Opens a session for a user who just proved their password and mints its first token pair,
   * enforcing MAX_SESSIONS_PER_USER. The user row is locked, so parallel logins of one user are
   * counted one at a time and a limit of 1 leaves exactly one session.
   */
  async function openLoginSession(user: UserRow, client: ClientInfo): Promise<IssuedTokens> {
    const now = clock.now()
    const refreshToken = mintRefreshToken()
    const { session, evictedIds } = await db.transaction(async (tx) => {
      await lockUser(tx, user.id)
      const evicted = await enforceSessionLimit(tx, user.id, now)
      const row = await insertSessionWithFirstToken(tx, user.id, client, now, refreshToken)
      const event = { userId: user.id, at: now, sessionId: row.id, ...clientFields(client) }
      // A device + location pair never seen at login before: the user hears about it.
      const newDevice = !(await hasLoggedInFrom(tx, user.id, client.device, client.location))
      await events.record(tx, { ...event, type: 'login' })
      if (newDevice) await events.record(tx, { ...event, type: 'new_device_login' })
      for (const old of evicted) {
        await events.record(tx, { ...event, type: 'session_evicted', sessionId: old.id, details: { device: old.device, newSessionId: row.id } })
      }
      if (evicted.length > 0) await events.record(tx, { ...event, type: 'new_login', details: { evicted: evicted.length } })
      await revocation.log(tx, now, { ended: evicted.map((old) => ({ ...old, endReason: 'evicted' as const })) })
      return { session: row, evictedIds: evicted.map((old) => old.id) }
    })
    if (evictedIds.length > 0) await revocation.publish(evictedIds)
    return issueTokens(session, refreshToken, now)
  }

  /**
   * Stores a new password hash, ends every session of the user (the caller's too) and opens one new
   * session, all in one ledger transaction: no session outlives the old password, and the denylist
   * hears of the ended ones once it has committed. (No session limit to enforce: none is left open.)
   */
  async function openSessionWithNewPassword(user: UserRow, passwordHash: string, client: ClientInfo): Promise<IssuedTokens> {
    const now = clock.now()
    const refreshToken = mintRefreshToken()
    const { session, endedIds } = await db.transaction(async (tx) => {
      await lockUser(tx, user.id)
      await setPassword(tx, user.id, passwordHash, now)
      const ended = await endSessionsOfUser(tx, { userId: user.id, reason: 'password_changed', at: now })
      const row = await insertSessionWithFirstToken(tx, user.id, client, now, refreshToken)
      await events.record(tx, {
        userId: user.id,
        type: 'password_changed',
        at: now,
        sessionId: row.id,
        ...clientFields(client),
        details: { revoked: ended.length },
      })
      await revocation.log(tx, now, { ended })
      return { session: row, endedIds: ended.map((old) => old.id) }
    })
    if (endedIds.length > 0) await revocation.publish(endedIds)
    return issueTokens(session, refreshToken, now)
  }

  return {
    /** Checks the password and opens a brand-new session (a fresh id every time: no fixation). */
    async login(email: string, password: string, client: ClientInfo): Promise<IssuedTokens> {
      try {
        const user = await accounts.checkCredentials(email, password, client)
        const issued = await openLoginSession(user, client)
        onLogin?.('success')
        return issued
      } catch (error) {
        onLogin?.(error instanceof AppError && error.code === 'invalid_credentials' ? 'failure' : 'error')
        throw error
      }
    },

    /** Counts a login the rate limiter refused before it reached `login` (429), with the others. */
    loginRateLimited(): void {
      onLogin?.('rate_limited')
    },

    openSessionWithNewPassword,

    /**
     * Rotates a refresh token. The newest token is retired and replaced; its immediate predecessor,
     * replayed within the grace window, gets the same successor back; any other retired token is
     * theft and ends the session. `client` is asked only then, to record who presented the token:
     * a normal rotation parses no User-Agent and does no GeoIP lookup.
     */
    async refresh(presented: string, client: () => ClientInfo): Promise<IssuedTokens> {
      const now = clock.now()
      const presentedHash = hashToken(presented)
      const outcome = await db.transaction(async (tx): Promise<RefreshResult> => {
        const found = await findRefreshTokenByHash(tx, presentedHash)
        if (!found) return { kind: 'unknown' }
        // Lock the session, then re-read the token: a parallel refresh may have rotated it meanwhile.
        const session = await lockSession(tx, found.sessionId)
        const token = await findRefreshTokenByHash(tx, presentedHash)
        // A console session's token is its console credential, never a refresh token.
        if (!session || !token || session.kind !== 'standard') return { kind: 'unknown' }
        if (session.endedAt) return { kind: 'ended', reason: session.endReason ?? 'revoked' }
        if (!isSessionActive(session, config, now)) return { kind: 'expired' }
        const user = await findUserById(tx, session.userId)
        // Disabling ends every session (account_disabled); this catches a refresh that raced it.
        if (!user) return { kind: 'ended', reason: 'admin' }
        if (user.disabledAt) return { kind: 'ended', reason: 'account_disabled' }

        const successor = successorRefreshToken(keys.refreshSuccessorKey, presented)
        if (token.retiredAt === null) {
          await retireRefreshToken(tx, token.id, now)
          await insertRefreshToken(tx, { sessionId: session.id, tokenHash: hashToken(successor), generation: token.generation + 1, at: now })
          await touchSession(tx, session.id, now)
          return { kind: 'issued', session: { ...session, lastActiveAt: maxDate(session.lastActiveAt, now) }, refreshToken: successor, grace: false }
        }

        const newest = await findNewestRefreshToken(tx, session.id)
        const withinGrace = now.getTime() - token.retiredAt.getTime() <= config.refreshReuseGraceMs
        if (newest && newest.generation === token.generation + 1 && withinGrace && newest.tokenHash === hashToken(successor)) {
          // A parallel tab or a lost response: hand back the same successor; the chain never forks.
          return { kind: 'issued', session, refreshToken: successor, grace: true }
        }

        // A retired token outside the grace: someone holds a copy. End the whole session.
        const ended = await endSession(tx, { id: session.id, reason: 'reuse_detected', at: now })
        await events.record(tx, {
          userId: session.userId,
          type: 'refresh_token_reused',
          at: now,
          sessionId: session.id,
          ...clientFields(client()),
          details: { generation: token.generation },
        })
        await revocation.log(tx, now, { ended: ended ? [ended] : [] })
        // Returned, not thrown: a throw here would roll the revocation back.
        return { kind: 'reused', sessionId: session.id, userId: session.userId }
      })

      onRefresh?.(outcome.kind === 'issued' ? (outcome.grace ? 'grace' : 'rotated') : REFRESH_METRIC[outcome.kind])
      switch (outcome.kind) {
        case 'issued':
          return issueTokens(outcome.session, outcome.refreshToken, now)
        case 'unknown':
          throw new AppError('invalid_refresh_token')
        case 'expired':
          throw new AppError('session_expired')
        case 'ended':
          throw new AppError('session_revoked', { reason: outcome.reason })
        case 'reused':
          requestLogger(logger).warn({ sessionId: outcome.sessionId, userId: outcome.userId }, 'refresh token reuse detected; session revoked')
          await revocation.publish([outcome.sessionId])
          throw new AppError('refresh_token_reused')
      }
    },

    /**
     * Ends the sessions a logout names: the access token's and/or the refresh token's. Already ended,
     * or a refresh token we do not know, is fine (RFC 7009: the goal is reached); an access token we
     * did not sign, or that has expired, is `invalid_token` and ends nothing, unless
     * `ignoreInvalidAccessToken` (the cookie transport: a browser cannot see or fix its cookie, and
     * the refresh token may still name the session), where it names no session.
     */
    async logout(
      presented: { accessToken: string | null; refreshToken: string | null },
      client: ClientInfo,
      options: { ignoreInvalidAccessToken?: boolean } = {},
    ): Promise<void> {
      if (presented.accessToken) {
        const claims = await tokens.verifyAccessToken(presented.accessToken, clock.now())
        if (!claims && !options.ignoreInvalidAccessToken) throw new AppError('invalid_token')
        if (claims) await logoutSession(claims.sid, client)
      }
      if (presented.refreshToken) {
        const token = await findRefreshTokenByHash(db, hashToken(presented.refreshToken))
        if (token) await logoutSession(token.sessionId, client)
      }
    },

    /**
     * The caller behind a bearer access token, or null. The ledger decides (not the denylist): the
     * session must still be active and belong to the token's user. The call counts as activity.
     */
    async authenticate(accessToken: string): Promise<{ auth: Auth; session: SessionRow } | null> {
      const claims = await tokens.verifyAccessToken(accessToken, clock.now())
      if (!claims) return null
      const session = await activeSession(claims.sid)
      if (!session || session.userId !== claims.sub || session.kind !== 'standard') return null
      return { auth: { userId: claims.sub, sessionId: claims.sid, claims }, session: await recordActivity(session) }
    },

    /**
     * Opens a console session for an admin who just proved their password (the caller checks both):
     * kind `console`, its own timeouts, a `login` event. Returns the row and its credential, an
     * opaque token for the console cookie, stored hashed, never rotated and valid nowhere else.
     */
    async openConsoleSession(user: UserRow, client: ClientInfo): Promise<{ session: SessionRow; token: string }> {
      const now = clock.now()
      const token = mintRefreshToken()
      const session = await db.transaction(async (tx) => {
        const row = await insertSessionWithFirstToken(tx, user.id, client, now, token, 'console')
        await events.record(tx, { userId: user.id, type: 'login', at: now, sessionId: row.id, ...clientFields(client), device: row.device })
        return row
      })
      return { session, token }
    },

    /** The console session a console credential names, if it is still active; the call counts as activity. */
    async authenticateConsole(token: string): Promise<SessionRow | null> {
      const found = await findRefreshTokenByHash(db, hashToken(token))
      if (!found || found.generation !== 0) return null
      const session = await activeSession(found.sessionId)
      return session && session.kind === 'console' ? recordActivity(session) : null
    },

    /** Ends a session by its id (a console sign-out): `logout`, then the denylist. */
    logoutSession,

    /** A user's active sessions, most recently active first. */
    listActive(userId: string): Promise<SessionRow[]> {
      return activeSessionsOf(db, userId, clock.now())
    },

    activeSession,
  }
}

const ACTIVITY_RESOLUTION_MS = 60_000

const REFRESH_METRIC = { unknown: 'unknown', expired: 'expired', ended: 'revoked', reused: 'reuse_detected' } as const

function maxDate(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b
}

export type SessionService = ReturnType<typeof createSessionService>
