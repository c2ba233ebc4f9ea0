import { eq, like } from 'drizzle-orm'
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

/** Users whose email contains `fragment` (lower-cased), at most `limit`. */
export async function searchUsersByEmail(db: Executor, fragment: string, limit: number): Promise<UserRow[]> {
  const pattern = `%${fragment.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  return db.select().from(users).where(like(users.email, pattern)).orderBy(users.email).limit(limit)
}

/** Deletes a user (sessions, tokens and events go by cascade); returns whether it existed. */
export async function deleteUser(db: Executor, id: string): Promise<boolean> {
  const rows = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id })
  return rows.length > 0
}
