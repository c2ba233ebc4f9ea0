import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import type { Denylist } from '../../src/stores/denylist.js'
import { createMemoryDenylist } from '../../src/stores/denylist-memory.js'
import { redisDenylist } from '../support/app.js'
import { startOwnRedis } from '../support/redis-server.js'

/** The same behaviour is required of both stores. */
function describeDenylist(kind: string, make: () => Promise<Denylist>) {
  describe(`${kind} denylist`, () => {
    it('is not trusted until it has been rebuilt, then answers per session', async () => {
      const list = await make()
      const sid = randomUUID()
      expect(await list.check(sid)).toBe('unknown')
      expect(await list.rebuild(async () => [{ sessionId: sid, ttlMs: 60_000 }])).toBe(true)
      expect(await list.isComplete()).toBe(true)
      expect(await list.check(sid)).toBe('revoked')
      expect(await list.check(randomUUID())).toBe('not_revoked')
    })

    it('revoke is visible at once and expires after its ttl', async () => {
      const list = await make()
      await list.rebuild(async () => [])
      const sid = randomUUID()
      await list.revoke(sid, 1_000)
      expect(await list.check(sid)).toBe('revoked')
      await new Promise((resolve) => setTimeout(resolve, 1_300))
      expect(await list.check(sid)).toBe('not_revoked')
    })

    it('a second revoke never shortens an entry', async () => {
      const list = await make()
      await list.rebuild(async () => [])
      const sid = randomUUID()
      await list.revoke(sid, 60_000)
      await list.revoke(sid, 60_000)
      expect(await list.check(sid)).toBe('revoked')
    })
  })
}

describeDenylist('memory', async () => createMemoryDenylist())
describeDenylist('redis', async () => {
  const redis = await startOwnRedis()
  return redisDenylist(redis.url, `t${randomUUID()}:`)
})

describe('redis denylist and a flush', () => {
  it('answers unknown after FLUSHALL, and a rebuild interrupted by a flush does not mark the list complete', async () => {
    const redis = await startOwnRedis()
    const list = await redisDenylist(redis.url, 'x:')
    const sid = randomUUID()
    await list.rebuild(async () => [{ sessionId: sid, ttlMs: 60_000 }])
    await redis.flush()
    expect(await list.check(sid)).toBe('unknown')

    const interrupted = await list.rebuild(async () => {
      await redis.flush() // lands between reading the ledger and marking the list complete
      return [{ sessionId: sid, ttlMs: 60_000 }]
    })
    expect(interrupted).toBe(false)
    expect(await list.check(sid)).toBe('unknown')
    expect(await list.rebuild(async () => [{ sessionId: sid, ttlMs: 60_000 }])).toBe(true)
    expect(await list.check(sid)).toBe('revoked')
  })

  it('losing the list key (an eviction) loses the marker with it: unknown, never not_revoked', async () => {
    const redis = await startOwnRedis()
    const list = await redisDenylist(redis.url, 'z:')
    const sid = randomUUID()
    await list.rebuild(async () => [{ sessionId: sid, ttlMs: 60_000 }])
    const admin = new Redis(redis.url)
    const keys = await admin.keys('z:*')
    expect(keys).toEqual(['z:{denylist}:revoked'])
    await admin.del(keys[0]!)
    admin.disconnect()
    expect(await list.check(sid)).toBe('unknown')
    await list.revoke(randomUUID(), 60_000) // a later revocation does not make the list whole again
    expect(await list.check(sid)).toBe('unknown')
  })

  it('answers unknown (never not_revoked) while Redis is down', async () => {
    const redis = await startOwnRedis()
    const list = await redisDenylist(redis.url, 'y:')
    await list.rebuild(async () => [])
    await redis.stop()
    expect(await list.check(randomUUID())).toBe('unknown')
    await expect(list.revoke(randomUUID(), 1000)).rejects.toThrow()
  })
})
