import { and, eq, isNull } from 'drizzle-orm'
import type { Executor } from './db.js'
import { refreshTokens, type RefreshTokenRow } from './schema.js'

/** Stores the hash of a newly minted refresh token. */
export async function insertRefreshToken(
  db: Executor,
  token: { sessionId: string; tokenHash: string; generation: number; at: Date },
): Promise<void> {
  await db.insert(refreshTokens).values({
    sessionId: token.sessionId,
    tokenHash: token.tokenHash,
    generation: token.generation,
    createdAt: token.at,
  })
}

/** The token row with this hash, or null. */
export async function findRefreshTokenByHash(db: Executor, tokenHash: string): Promise<RefreshTokenRow | null> {
  const rows = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1)
  return rows[0] ?? null
}

/** The session's newest (unretired) token, or null. */
export async function findNewestRefreshToken(db: Executor, sessionId: string): Promise<RefreshTokenRow | null> {
  const rows = await db
    .select()
    .from(refreshTokens)
    .where(and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.retiredAt)))
    .limit(1)
  return rows[0] ?? null
}

/** Marks a token as retired by rotation. */
export async function retireRefreshToken(db: Executor, id: number, at: Date): Promise<void> {
  await db.update(refreshTokens).set({ retiredAt: at }).where(eq(refreshTokens.id, id))
}
