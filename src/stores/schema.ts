import { sql } from 'drizzle-orm'
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

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
    /** The admin role: only such an account can sign in to the console (`npm run admin -- grant-admin`). */
    isAdmin: boolean('is_admin').notNull().default(false),
  },
  (table) => [
    uniqueIndex('users_email_key').on(table.email),
    // The operators' search: an email prefix, paged in byte order. A "C" collation btree serves
    // `LIKE 'prefix%'`, the order and the cursor whatever the database's own collation is.
    index('users_email_prefix_idx').on(sql`${table.email} COLLATE "C"`),
  ],
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
    /** `standard` (login) or `console` (an admin's console sign-in: valid there only, its own timeouts). */
    kind: text('kind').$type<SessionKind>().notNull().default('standard'),
  },
  (table) => [
    // /me/sessions: a user's active sessions, most recently active first. NULLS FIRST matches a plain
    // `ORDER BY … DESC`, so the index can serve the order (DESC NULLS LAST could not).
    index('sessions_user_active_idx').on(table.userId, table.lastActiveAt.desc().nullsFirst()).where(sql`ended_at IS NULL`),
    // Denylist rebuild and retention cleanup scan by end time.
    index('sessions_ended_at_idx').on(table.endedAt).where(sql`ended_at IS NOT NULL`),
    // A user's ended sessions, most recently ended first (the account page's history).
    index('sessions_user_ended_idx').on(table.userId, table.endedAt.desc().nullsFirst()).where(sql`ended_at IS NOT NULL`),
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
    index('security_events_user_at_idx').on(table.userId, table.at.desc().nullsFirst(), table.id.desc().nullsFirst()),
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

/**
 * Who did what as an operator: every change made through /admin (by API key fingerprint), the console
 * (by admin user) or `npm run admin`, written in the same transaction as the change. No foreign keys:
 * an entry outlives the user and session it names. Removed after AUDIT_RETENTION.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: at('at').notNull(),
    actorType: text('actor_type').$type<AuditActorType>().notNull(),
    /** The key's fingerprint (or `cli`) for `api_key`; the user id for `admin`. */
    actorId: text('actor_id').notNull(),
    /** The admin's email at the time (for `admin`), so the entry reads the same after a deletion. */
    actorEmail: text('actor_email'),
    action: text('action').$type<AuditAction>().notNull(),
    targetUserId: uuid('target_user_id'),
    targetSessionId: uuid('target_session_id'),
    reason: text('reason'),
    ip: text('ip'),
  },
  (table) => [
    // GET /admin/audit pages newest first by (at, id), for everyone or for one user. NULLS FIRST is
    // what `ORDER BY … DESC` means: an index built DESC NULLS LAST could not serve that order.
    index('audit_log_at_idx').on(table.at.desc().nullsFirst(), table.id.desc().nullsFirst()),
    index('audit_log_target_user_at_idx').on(table.targetUserId, table.at.desc().nullsFirst(), table.id.desc().nullsFirst()).where(sql`target_user_id IS NOT NULL`),
  ],
)

/**
 * The revocation stream's durable log (`GET /revocations/stream`): one row per ended session
 * (`revoked`), per revoke-all (`revoked_all`: every token issued before `at`) and per signing-key
 * change (`keys_changed`), written in the same transaction as the revocation itself. `seq` is handed
 * out under the lock of `revocation_log_head`, taken as the transaction's last step, so rows commit
 * in `seq` order and the head only ever names committed rows (see stores/revocation-log.ts). No
 * foreign keys: an entry outlives the session and user it names. Kept ACCESS_TOKEN_TTL + 5 min.
 */
export const revocationLog = pgTable(
  'revocation_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    kind: text('kind').$type<RevocationKind>().notNull(),
    at: at('at').notNull(),
    sessionId: uuid('session_id'),
    userId: uuid('user_id'),
    reason: text('reason'),
    /** `keys_changed`: the key ids now published. */
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (table) => [index('revocation_log_at_idx').on(table.at)],
)

/** The one row holding the log's last committed `seq`; its row lock orders the writers. */
export const revocationLogHead = pgTable('revocation_log_head', {
  id: integer('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
})

export type RevocationKind = 'revoked' | 'revoked_all' | 'keys_changed'
export type SessionKind = 'standard' | 'console'
export type AuditActorType = 'api_key' | 'admin'
export type AuditAction =
  | 'revoke_session'
  | 'revoke_user_sessions'
  | 'revoke_all_sessions'
  | 'disable_user'
  | 'enable_user'
  | 'delete_user'
  | 'grant_admin'
  | 'revoke_admin'

export const schema = { users, sessions, refreshTokens, securityEvents, sessionTombstones, webhookOutbox, auditLog, revocationLog, revocationLogHead }

export type UserRow = typeof users.$inferSelect
export type SessionRow = typeof sessions.$inferSelect
export type RefreshTokenRow = typeof refreshTokens.$inferSelect
export type SecurityEventRow = typeof securityEvents.$inferSelect
export type WebhookOutboxRow = typeof webhookOutbox.$inferSelect
export type AuditLogRow = typeof auditLog.$inferSelect
export type RevocationLogRow = typeof revocationLog.$inferSelect
