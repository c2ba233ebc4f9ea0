import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { createRedisDenylist } from '../../src/stores/denylist-redis.js'
import { openRedis, waitForRedis } from '../../src/stores/redis.js'
import { eventually } from '../support/eventually.js'
import { startOwnRedis } from '../support/redis-server.js'
import { onClose } from '../support/resources.js'
import { startTcpRelay } from '../support/tcp-relay.js'

describe('the lookup deadline of the Redis denylist', () => {
  it('answers unknown within the deadline though the client would wait longer, and reopens a connection that missed three in a row', async () => {
    const redis = await startOwnRedis()
    const relay = await startTcpRelay(redis.url)
    // The client's own command timeout is long (as ioredis's Cluster retries make it in effect): the
    // app-level deadline must be what bounds a lookup.
    const client = openRedis(relay.urlFor(redis.url), 10_000, createLogger('silent'))
    expect(await waitForRedis(client, 2000)).toBe(true)
    const list = onClose(createRedisDenylist(client, 'deadline:', { checkTimeoutMs: 200 }), (l) => l.close())
    await list.rebuild(async () => [{ sessionId: 'gone', ttlMs: 60_000 }])
    expect(await list.check('gone')).toBe('revoked')
    const [first] = relay.openIds()

    relay.pause()
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now()
      expect(await list.check('gone')).toBe('unknown')
      expect(performance.now() - started).toBeLessThan(1000)
    }
    // The third miss dropped the silent connection; a new one is opened (held by the paused relay).
    await eventually(() => relay.openIds().some((id) => id > first!), 5000)
    relay.resume()
    await eventually(async () => (await list.check('gone')) === 'revoked', 5000)
  })
})
