import { Hono } from 'hono'
import type { AppEnv } from '../http/middleware.js'
import type { Database } from '../stores/db.js'
import type { Denylist } from '../stores/denylist.js'

type CheckState = 'ok' | 'down'

async function probe(check: () => Promise<void>, timeoutMs: number): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)
  })
  try {
    await Promise.race([check(), timeout])
    return 'ok'
  } catch {
    return 'down'
  } finally {
    clearTimeout(timer)
  }
}

export function healthRoutes(database: Database, denylist: Denylist, timeoutMs: number) {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const [postgres, redis] = await Promise.all([probe(database.ping, timeoutMs), probe(denylist.ping, timeoutMs)])
      const checks = { postgres, redis }
      const failed = Object.entries(checks).filter(([, state]) => state === 'down').map(([name]) => name)
      if (failed.length === 0) return c.json({ status: 'ready', checks })
      // Name what failed, but no host names or error text: this endpoint is often public.
      c.header('Retry-After', '5')
      return c.json({ error: 'unavailable', message: `Not ready: ${failed.join(' and ')} not answering.`, details: { checks } }, 503)
    })
}
