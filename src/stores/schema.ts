import { sql } from 'drizzle-orm'
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    /** Stored lower-cased: emails match case-insensitively (A@x.io and a@x.io are one account). */
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: at('created_at').notNull(),
    passwordChangedAt: at('password_changed_at').notNull(),
    disabledAt: at('disabled_at'),
  },
  (table) => [uniqueIndex('users_email_key').on(table.email)],
)

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    device: text('device').notNull(),
    userAgent: text('user_agent'),
    ip: text('ip'),
    location: text('location'),
    createdAt: at('created_at').notNull(),
    lastActiveAt: at('last_active_at').notNull(),
    /** Fixed at login: no session outlives it, however active (SESSION_ABSOLUTE_TTL). */
    absoluteExpiresAt: at('absolute_expires_at').notNull(),
    /** When the user last proved their password for this session (login or reauthenticate). */
    authTime: at('auth_time').notNull(),
    endedAt: at('ended_at'),
    endReason: text('end_reason').$type<import('../errors.js').EndReason>(),
    /** The operator's note when an operator ended it (shown to the user with the ended session). */
    reasonNote: text('reason_note'),
  },
  (table) => [
    // /me/sessions: a user's active sessions, most recently active first.
    index('sessions_user_active_idx').on(table.userId, table.lastActiveAt.desc()).where(sql`ended_at IS NULL`),
    // Denylist rebuild and retention cleanup scan by end time.
    index('sessions_ended_at_idx').on(table.endedAt).where(sql`ended_at IS NOT NULL`),
    // A user's ended sessions, most recently ended first (the account page's history).
    index('sessions_user_ended_idx').on(table.userId, table.endedAt.desc()).where(sql`ended_at IS NOT NULL`),
    // Cleanup of sessions that timed out without ever being ended.
    index('sessions_open_absolute_idx').on(table.absoluteExpiresAt).where(sql`ended_at IS NULL`),
    index('sessions_open_last_active_idx').on(table.lastActiveAt).where(sql`ended_at IS NULL`),
  ],
)

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    /** SHA-256 of the token, hex. The token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    /** 0 for the token minted at login, +1 per rotation; the newest is the only unretired one. */
    generation: integer('generation').notNull(),
    createdAt: at('created_at').notNull(),
    retiredAt: at('retired_at'),
  },
  (table) => [
    uniqueIndex('refresh_tokens_hash_key').on(table.tokenHash),
    uniqueIndex('refresh_tokens_session_generation_key').on(table.sessionId, table.generation),
  ],
)

export const securityEvents = pgTable(
  'security_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    sessionId: uuid('session_id'),
    type: text('type').notNull(),
    at: at('at').notNull(),
    ip: text('ip'),
    device: text('device'),
    location: text('location'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (table) => [
    // /me/security-events pages newest first by (at, id).
    index('security_events_user_at_idx').on(table.userId, table.at.desc(), table.id.desc()),
    index('security_events_at_idx').on(table.at),
  ],
)

/**
 * Sessions of deleted users: their rows are gone with the account, but their revocations must stay
 * effective, so the denylist rebuild reads these too. Removed by the retention cleanup.
 */
export const sessionTombstones = pgTable(
  'session_tombstones',
  {
    sessionId: uuid('session_id').primaryKey(),
    endedAt: at('ended_at').notNull(),
  },
  (table) => [index('session_tombstones_ended_at_idx').on(table.endedAt)],
)

/**
 * Security events waiting to be POSTed to WEBHOOK_URL, written in the same transaction as the event
 * (a durable outbox): delivered at least once, even across a restart, never on the request path.
 */
export const webhookOutbox = pgTable(
  'webhook_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => securityEvents.id, { onDelete: 'cascade' }),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** Due time; while a worker delivers it, pushed ahead by a lease so other instances skip it. */
    nextAttemptAt: at('next_attempt_at').notNull(),
    deliveredAt: at('delivered_at'),
    deadAt: at('dead_at'),
    lastError: text('last_error'),
  },
  (table) => [index('webhook_outbox_due_idx').on(table.nextAttemptAt).where(sql`delivered_at IS NULL AND dead_at IS NULL`)],
)

export const schema = { users, sessions, refreshTokens, securityEvents, sessionTombstones, webhookOutbox }

export type UserRow = typeof users.$inferSelect
export type SessionRow = typeof sessions.$inferSelect
export type RefreshTokenRow = typeof refreshTokens.$inferSelect
export type SecurityEventRow = typeof securityEvents.$inferSelect
export type WebhookOutboxRow = typeof webhookOutbox.$inferSelect
