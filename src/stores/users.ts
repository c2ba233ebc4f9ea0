import { and, count, eq, sql, type SQL } from 'drizzle-orm'
import type { Executor } from './db.js'
import { users, type UserRow } from './schema.js'

/** Inserts a user; returns null when the (lower-cased) email is taken. */
export async function insertUser(
  db: Executor,
  user: { id: string; email: string; passwordHash: string; at: Date },
): Promise<UserRow | null> {
  const rows = await db
    .insert(users)
    .values({ id: user.id, email: user.email, passwordHash: user.passwordHash, createdAt: user.at, passwordChangedAt: user.at })
    .onConflictDoNothing({ target: users.email })
    .returning()
  return rows[0] ?? null
}

/** The user with this lower-cased email, or null. */
export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | null> {
  const rows = await db.select().from(users).where(eq(users.email, email)).limit(1)
  return rows[0] ?? null
}

/** The user with this id, or null. */
export async function findUserById(db: Executor, id: string): Promise<UserRow | null> {
  const rows = await db.select().from(users).where(eq(users.id, id)).limit(1)
  return rows[0] ?? null
}

/** Replaces the stored hash (rehash at new parameters); the password itself is unchanged. */
export async function updatePasswordHash(db: Executor, id: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash }).where(eq(users.id, id))
}

/** Locks the user row until the transaction ends: logins of one user then run one after the other. */
export async function lockUser(tx: Executor, id: string): Promise<UserRow | null> {
  const rows = await tx.select().from(users).where(eq(users.id, id)).for('update').limit(1)
  return rows[0] ?? null
}

/** A new password: the hash and the time it changed. */
export async function setPassword(db: Executor, id: string, passwordHash: string, at: Date): Promise<void> {
  await db.update(users).set({ passwordHash, passwordChangedAt: at }).where(eq(users.id, id))
}

/** Disables (a Date) or enables (null) an account; returns the updated row or null if unknown. */
export async function setDisabled(db: Executor, id: string, disabledAt: Date | null): Promise<UserRow | null> {
  const rows = await db.update(users).set({ disabledAt }).where(eq(users.id, id)).returning()
  return rows[0] ?? null
}

/** The email in byte order ("C"): what users_email_prefix_idx holds, whatever the database collation. */
const emailBytes = sql`${users.email} COLLATE "C"`

/**
 * `email` starts with `prefix` (lower-cased), as a range on users_email_prefix_idx: from the prefix to
 * the string after every string that starts with it (its last code point + 1; UTF-8 byte order is
 * code point order). A range, unlike `LIKE $1`, is served by the index in a generic plan too.
 */
function startsWith(prefix: string): SQL | undefined {
  const points = [...prefix.toLowerCase()]
  const lower = points.join('')
  while (points.length > 0 && points.at(-1)!.codePointAt(0)! === 0x10ffff) points.pop()
  if (points.length === 0) return lower === '' ? undefined : sql`${emailBytes} >= ${lower}`
  const last = points.pop()!.codePointAt(0)!
  const upper = points.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1)
  return and(sql`${emailBytes} >= ${lower}`, sql`${emailBytes} < ${upper}`)
}

export interface EmailPrefixPage {
  prefix: string
  /** The email the previous page ended with, or null for the first page. */
  after: string | null
  limit: number
}

/** The query of searchUsersByEmailPrefix, not yet run (test/contract/admin-users.test.ts EXPLAINs it). */
export function emailPrefixPageQuery(db: Executor, query: EmailPrefixPage) {
  const after = query.after === null ? undefined : sql`${emailBytes} > ${query.after}`
  return db
    .select()
    .from(users)
    .where(and(startsWith(query.prefix), after))
    .orderBy(emailBytes)
    .limit(query.limit)
}

/** The query of countUsersByEmailPrefix, not yet run. */
export function emailPrefixCountQuery(db: Executor, prefix: string) {
  return db.select({ n: count() }).from(users).where(startsWith(prefix))
}

/** Users whose email starts with `prefix` (any case), in byte order of email after `after`, at most `limit`. */
export async function searchUsersByEmailPrefix(db: Executor, query: EmailPrefixPage): Promise<UserRow[]> {
  return emailPrefixPageQuery(db, query)
}

/** How many users' emails start with `prefix` (any case). */
export async function countUsersByEmailPrefix(db: Executor, prefix: string): Promise<number> {
  const [row] = await emailPrefixCountQuery(db, prefix)
  return row?.n ?? 0
}

/** Grants (true) or revokes (false) the admin role; returns the updated row or null if unknown. */
export async function setAdmin(db: Executor, id: string, isAdmin: boolean): Promise<UserRow | null> {
  const rows = await db.update(users).set({ isAdmin }).where(eq(users.id, id)).returning()
  return rows[0] ?? null
}

/** Deletes a user (sessions, tokens and events go by cascade); returns whether it existed. */
export async function deleteUser(db: Executor, id: string): Promise<boolean> {
  const rows = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id })
  return rows.length > 0
}
