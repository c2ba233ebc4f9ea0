import { eq } from 'drizzle-orm'
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
