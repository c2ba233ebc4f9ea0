import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

const KEY = { JWT_PRIVATE_KEY: 'checked-later-by-loadKeySet' }
const DB = { ...KEY, DATABASE_URL: 'postgres://sessiond:pw@pgbouncer:6432/sessiond' }

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error(`accepted ${JSON.stringify(env)}`)
}

describe('Redis topology: REDIS_URL, REDIS_SENTINELS + REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES', () => {
  it('none: the in-process denylist, no replicas to wait for', () => {
    expect(loadConfig({})).toMatchObject({ redis: null, redisUrl: null, redisWaitReplicas: 0 })
  })

  it('REDIS_URL: a standalone Redis; writes wait for no replica unless asked', () => {
    expect(loadConfig({ REDIS_URL: 'redis://10.0.0.5:6379' })).toMatchObject({
      redis: { kind: 'standalone', url: 'redis://10.0.0.5:6379' },
      redisUrl: 'redis://10.0.0.5:6379',
      redisWaitReplicas: 0,
    })
    expect(loadConfig({ REDIS_URL: 'redis://10.0.0.5:6379', REDIS_WAIT_REPLICAS: '1' }).redisWaitReplicas).toBe(1)
  })

  it('REDIS_SENTINELS: host:port list (default port 26379, IPv6 in brackets) and the master name; one replica must acknowledge', () => {
    const config = loadConfig({ REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b,[fd00::3]:26400', REDIS_SENTINEL_NAME: 'sessiond' })
    expect(config.redis).toEqual({
      kind: 'sentinel',
      name: 'sessiond',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b', port: 26379 },
        { host: 'fd00::3', port: 26400 },
      ],
    })
    expect(config.redisUrl).toBeNull()
    expect(config.redisWaitReplicas).toBe(1)
    expect(loadConfig({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm', REDIS_WAIT_REPLICAS: '2' }).redisWaitReplicas).toBe(2)
  })

  it('REDIS_CLUSTER_NODES: seed nodes (default port 6379); one replica must acknowledge', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis-1:7000,redis-2' })).toMatchObject({
      redis: { kind: 'cluster', nodes: [{ host: 'redis-1', port: 7000 }, { host: 'redis-2', port: 6379 }] },
      redisWaitReplicas: 1,
    })
  })

  it.each([
    [{ REDIS_URL: 'redis://a:6379', REDIS_SENTINELS: 'b:26379', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
    [{ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:6379' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_SENTINELS: 'b:26379', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'c:6379' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_SENTINELS: 'b:26379' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_SENTINEL_NAME: 'm', REDIS_URL: 'redis://a:6379' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_SENTINELS: 'redis://b:26379', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 'b:26379,,c:26379', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 'b:99999', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
    [{ REDIS_CLUSTER_NODES: 'b:0' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'b:6379/0' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_WAIT_REPLICAS: '1' }, 'REDIS_WAIT_REPLICAS'],
    [{ REDIS_URL: 'redis://a:6379', REDIS_WAIT_REPLICAS: 'one' }, 'REDIS_WAIT_REPLICAS'],
  ])('%j is refused with one line naming %s', (env, variable) => {
    const error = refusal(env)
    expect(error.variable).toBe(variable)
    expect(error.message).toMatch(new RegExp(`^${variable}: `))
    expect(error.message).not.toContain('\n')
  })
})

describe('behind a pooler: DATABASE_PREPARE, ?prepare=false and MIGRATION_DATABASE_URL', () => {
  it('prepared statements are on by default, off with DATABASE_PREPARE=false or ?prepare=false', () => {
    expect(loadConfig(DB).databasePrepare).toBe(true)
    expect(loadConfig({ ...DB, DATABASE_PREPARE: 'false' }).databasePrepare).toBe(false)
    expect(loadConfig({ ...DB, DATABASE_URL: `${DB.DATABASE_URL}?prepare=false` }).databasePrepare).toBe(false)
    expect(loadConfig({ ...DB, DATABASE_URL: `${DB.DATABASE_URL}?prepare=false`, DATABASE_PREPARE: 'false' }).databasePrepare).toBe(false)
  })

  it('MIGRATION_DATABASE_URL: a direct connection used for migrations only', () => {
    const direct = 'postgres://sessiond:pw@postgres:5432/sessiond'
    expect(loadConfig({ ...DB, MIGRATION_DATABASE_URL: direct })).toMatchObject({ migrationDatabaseUrl: direct, databaseUrl: DB.DATABASE_URL })
    expect(loadConfig(DB).migrationDatabaseUrl).toBeNull()
  })

  it.each([
    [{ ...DB, DATABASE_PREPARE: 'off' }, 'DATABASE_PREPARE'],
    [{ ...DB, DATABASE_URL: `${DB.DATABASE_URL}?prepare=false`, DATABASE_PREPARE: 'true' }, 'DATABASE_PREPARE'],
    [{ ...DB, DATABASE_URL: `${DB.DATABASE_URL}?prepare=no` }, 'DATABASE_URL'],
    [{ ...DB, MIGRATION_DATABASE_URL: 'mysql://u:pw@db/x' }, 'MIGRATION_DATABASE_URL'],
    [{ ...KEY, MIGRATION_DATABASE_URL: 'postgres://u:pw@db/x' }, 'MIGRATION_DATABASE_URL'],
  ])('%j is refused with one line naming %s, never echoing a password', (env, variable) => {
    const error = refusal(env)
    expect(error.variable).toBe(variable)
    expect(error.message).toMatch(new RegExp(`^${variable}: `))
    expect(error.message).not.toMatch(/\n|pw@/)
  })
})
