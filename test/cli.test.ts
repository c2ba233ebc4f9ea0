import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { buildTestApp, call, introspect, isolatedDatabase, registerAndLogin, testRedisPrefix } from './support/app.js'
import { ROOT } from './support/process.js'
import { loadKeySet } from '../src/services/keys.js'

const run = promisify(execFile)
const tool = (script: string, args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: inject('databaseUrl'), REDIS_URL: inject('redisUrl'), REDIS_KEY_PREFIX: testRedisPrefix(), ...env },
  })

describe('operator tools', () => {
  it('npm run admin -- sessions / revoke-user do what the admin API does', async () => {
    const { app } = await buildTestApp()
    const { email, password, tokens } = await registerAndLogin(app)
    await call(app, 'POST', '/login', { json: { email, password } })
    const listed = await tool('admin', ['sessions', email.toUpperCase()])
    expect(listed.stdout).toContain(tokens.session.id)
    expect(listed.stdout).toContain(`2 active session(s) for ${email}`)

    const revoked = await tool('admin', ['revoke-user', email])
    expect(revoked.stdout).toContain('revoked 2 session(s)')
    expect((await introspect(app, tokens.accessToken)).body).toEqual({ active: false })
  })

  it('refuses an unknown email or command with one line and exit 1', async () => {
    await expect(tool('admin', ['revoke-user', 'nobody@example.test'])).rejects.toMatchObject({ code: 1, stderr: 'sessiond: no user with email nobody@example.test\n' })
    await expect(tool('admin', ['explode'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('usage:') })
  })

  it('npm run keys:generate prints a usable Ed25519 key and its public JWK', async () => {
    const { stdout } = await tool('keys-generate', [])
    const pem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(stdout)![0]
    const keys = await loadKeySet(pem)
    const jwk = JSON.parse(stdout.trim().split('\n').at(-1)!)
    expect(jwk).toEqual(keys.jwks.keys[0])
    const oneLine = stdout.split('\n').find((line) => line.startsWith('-----BEGIN PRIVATE KEY-----\\n'))!
    expect((await loadKeySet(oneLine)).signingKid).toBe(keys.signingKid)
  })

  it('npm run db:migrate and db:cleanup run against the configured database', async () => {
    const database = await isolatedDatabase({ migrate: false })
    expect((await tool('migrate', [], { DATABASE_URL: database.url })).stdout).toContain('migrations applied to postgres')
    expect((await tool('cleanup', [], { DATABASE_URL: database.url })).stdout).toBe('deleted 0 sessions, 0 security events and 0 audit-log entries past retention\n')
  })
})
