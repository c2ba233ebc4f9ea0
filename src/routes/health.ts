import { Hono } from 'hono'
import type { AppEnv } from '../http/middleware.js'
import type { Database } from '../stores/db.js'
import type { Denylist } from '../stores/denylist.js'
import { evictionWarning } from '../stores/open.js'

type CheckState = 'ok' | 'down'

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
 * Checks are named after what this instance really uses: `postgres` + `redis` in a deployment,
 * `pglite` + `inProcessDenylist` in embedded mode.
 */
export function healthRoutes(database: Database, denylist: Denylist, timeoutMs: number) {
  const ledgerName = database.kind
  const denylistName = denylist.kind === 'redis' ? 'redis' : 'inProcessDenylist'
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const [ledger, list, eviction] = await Promise.all([
        probe(database.ping, timeoutMs),
        probe(denylist.ping, timeoutMs),
        withTimeout(() => evictionWarning(denylist), timeoutMs).catch(() => null),
      ])
      const checks = { [ledgerName]: ledger, [denylistName]: list }
      const failed = Object.entries(checks).filter(([, state]) => state === 'down').map(([name]) => name)
      if (failed.length === 0) {
        // Still ready (revocations stay correct), but said where an operator looks.
        return c.json(eviction ? { status: 'ready', checks, warnings: [eviction.message] } : { status: 'ready', checks })
      }
      // Name what failed, but no host names or error text: this endpoint is often public.
      c.header('Retry-After', '5')
      return c.json({ error: 'unavailable', message: `Not ready: ${failed.join(' and ')} not answering.`, details: { checks } }, 503)
    })
}
