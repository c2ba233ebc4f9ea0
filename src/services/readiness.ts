import type { Database } from '../stores/db.js'
import type { Denylist } from '../stores/denylist.js'
import { evictionWarning } from '../stores/open.js'

export type CheckState = 'ok' | 'down'

export interface Readiness {
  /** One entry per dependency this instance really uses, by its real name. */
  checks: Record<string, CheckState>
  /** Names of the checks that are down. */
  failed: string[]
  /** Sentences for operators about a ready but misconfigured instance. */
  warnings: string[]
}

async function withTimeout<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)
  })
  try {
    return await Promise.race([work(), timeout])
  } finally {
    clearTimeout(timer)
  }
}

const probe = (check: () => Promise<void>, timeoutMs: number): Promise<CheckState> =>
  withTimeout(check, timeoutMs).then(
    () => 'ok',
    () => 'down',
  )

/**
 * Is this instance ready to serve? Checks are named after what it really uses: `postgres` + `redis` in
 * a deployment, `pglite` + `inProcessDenylist` in embedded mode. Each probe is bounded by `timeoutMs`.
 */
export function createReadinessCheck({ database, denylist, timeoutMs }: { database: Database; denylist: Denylist; timeoutMs: number }) {
  const ledgerName = database.kind
  const denylistName = denylist.kind === 'redis' ? 'redis' : 'inProcessDenylist'
  return async (): Promise<Readiness> => {
    const [ledger, list, eviction] = await Promise.all([
      probe(database.ping, timeoutMs),
      probe(denylist.ping, timeoutMs),
      withTimeout(() => evictionWarning(denylist), timeoutMs).catch(() => null),
    ])
    const checks = { [ledgerName]: ledger, [denylistName]: list }
    const failed = Object.entries(checks).filter(([, state]) => state === 'down').map(([name]) => name)
    return { checks, failed, warnings: eviction ? [eviction.message] : [] }
  }
}

export type ReadinessCheck = ReturnType<typeof createReadinessCheck>
