import type { Db, Executor } from '../stores/db.js'
import { insertAuditEntry, listAuditEntries, type AuditActorFilter } from '../stores/audit.js'
import { pageOf, type PageCursor } from '../stores/paging.js'
import type { AuditAction, AuditLogRow } from '../stores/schema.js'

/**
 * Who acted. `api_key`: an operator credential from the service's own configuration, named by the
 * ADMIN_API_KEY fingerprint, or `cli` for `npm run admin` (a shell with the service's environment).
 * `admin`: a console user with the admin role, by user id and email.
 */
export type AuditActor = { type: 'api_key'; id: string } | { type: 'admin'; id: string; email: string }

/** The actor of `npm run admin`. Fingerprints are 8 hex digits, so this never names a key. */
export const CLI_ACTOR: AuditActor = { type: 'api_key', id: 'cli' }

/** Who asks for an operator action, from where, and why (the optional note the user is shown). */
export interface OperatorCall {
  actor: AuditActor
  /** The operator's note (≤ 500 characters), or null. */
  reason?: string | null
  /** The client address of the request; null for the CLI. */
  ip?: string | null
}

export interface AuditTarget {
  userId?: string | null
  sessionId?: string | null
}

export const MAX_AUDIT_PAGE = 100

export type { AuditActorFilter }

/** The audit log: every operator change, recorded in the transaction that makes it. */
export function createAuditLog({ db }: { db: Db }) {
  return {
    /** Records `action` by `call.actor` on `target` at `at`, in the caller's transaction. */
    record(tx: Executor, at: Date, call: OperatorCall, action: AuditAction, target: AuditTarget = {}): Promise<AuditLogRow> {
      return insertAuditEntry(tx, {
        at,
        actorType: call.actor.type,
        actorId: call.actor.id,
        actorEmail: call.actor.type === 'admin' ? call.actor.email : null,
        action,
        targetUserId: target.userId ?? null,
        targetSessionId: target.sessionId ?? null,
        reason: call.reason ?? null,
        ip: call.ip ?? null,
      })
    },

    /** A page of entries, newest first, optionally only those about one user or by one actor. */
    async list(query: { limit: number; cursor: PageCursor | null; userId: string | null; actor?: AuditActorFilter | null }): Promise<{ entries: AuditLogRow[]; next: PageCursor | null }> {
      const page = pageOf(await listAuditEntries(db, { ...query, limit: query.limit + 1 }), query.limit)
      return { entries: page.rows, next: page.next }
    },
  }
}

export type AuditLog = ReturnType<typeof createAuditLog>
