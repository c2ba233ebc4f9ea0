import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config.js'
import { ROOT } from '../support/process.js'

// No Docker engine runs here: `docker-compose config` resolves the file (anchors, .env) as compose
// would, and the checks below read what it resolved.
const dir = mkdtempSync(join(tmpdir(), 'sessiond-sentinel-compose-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
copyFileSync(join(ROOT, 'docker-compose.sentinel.yml'), join(dir, 'docker-compose.yml'))
copyFileSync(join(ROOT, '.env.example'), join(dir, '.env'))
const resolved = parse(execFileSync('docker-compose', ['config'], { cwd: dir, encoding: 'utf8' }))
const services = resolved.services as Record<string, { command?: string[]; environment?: Record<string, string>; image?: string }>
const command = (name: string) => (services[name]!.command ?? []).join(' ')
const sentinels = Object.keys(services).filter((name) => /^sentinel-/.test(name))
const dataNodes = Object.keys(services).filter((name) => /^redis-/.test(name))
const instances = Object.keys(services).filter((name) => /^sessiond-/.test(name))

describe('docker-compose.sentinel.yml', () => {
  it('passes `docker-compose config -q` (Debian docker-compose, v1 subset)', () => {
    expect(() => execFileSync('docker-compose', ['config', '-q'], { cwd: dir, stdio: 'pipe' })).not.toThrow()
  })

  it('runs three sentinels with a majority quorum on one primary with two replicas, none evicting', () => {
    expect(sentinels).toHaveLength(3)
    for (const name of sentinels) {
      const monitor = /sentinel monitor (\S+) (\S+) (\d+) (\d+)/.exec(command(name))
      expect(monitor?.slice(1)).toEqual(['sessiond', 'redis-primary', '6379', '2'])
      expect(command(name)).toContain(`sentinel announce-ip ${name}`)
    }
    expect(dataNodes.sort()).toEqual(['redis-primary', 'redis-replica-1', 'redis-replica-2'])
    for (const name of dataNodes) {
      expect(command(name)).toMatch(/--maxmemory-policy noeviction/)
      expect(command(name)).toContain(`--replica-announce-ip ${name}`)
      expect(services[name]!.image).toMatch(/^redis:([7-9]|\d\d)/)
    }
    for (const name of ['redis-replica-1', 'redis-replica-2']) expect(command(name)).toContain('--replicaof redis-primary 6379')
  })

  it('every sessiond instance is configured for those sentinels, by a configuration sessiond accepts', () => {
    expect(instances.length).toBeGreaterThanOrEqual(2)
    for (const name of instances) {
      const env = services[name]!.environment!
      const config = loadConfig({ ...env, JWT_PRIVATE_KEY: 'checked-separately' })
      expect(config.redis?.kind).toBe('sentinel')
      if (config.redis?.kind !== 'sentinel') continue
      expect(config.redis.name).toBe('sessiond')
      expect(config.redis.sentinels.map((s) => `${s.host}:${s.port}`).sort()).toEqual(sentinels.map((s) => `${s}:26379`).sort())
      expect(config.redisWaitReplicas).toBe(1)
    }
  })
})
