import { sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'

/** A position in a newest-first list ordered by (at, id): the last row of a page. */
export interface PageCursor {
  at: Date
  id: number
}

/** Rows strictly after `cursor` in the newest-first order of (`at`, `id`). */
export function beforeCursor(at: AnyPgColumn, id: AnyPgColumn, cursor: PageCursor): SQL {
  return sql`(${at}, ${id}) < (${cursor.at.toISOString()}::timestamptz, ${cursor.id})`
}

/** Up to `limit + 1` rows read → the page of `limit` and the cursor after it (null on the last page). */
export function pageOf<T extends PageCursor>(rows: T[], limit: number): { rows: T[]; next: PageCursor | null } {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { rows: page, next: rows.length > limit && last ? { at: last.at, id: last.id } : null }
}
