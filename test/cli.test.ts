import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { buildTestApp, call, introspect, isolatedDatabase, registerAndLogin, testRedisPrefix } from './support/app.js'
import { ROOT } from './support/process.js'
import { loadKeySet } from '../src/services/keys.js'
import { findSession, insertSession } from '../src/stores/sessions.js'

const ADMIN_KEY = 'admin-key-cli-0123456789-0123456789-abcdef'

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

  it('npm run admin -- grant-admin / revoke-admin set the role, audited as the CLI; revoking ends console sessions', async () => {
    const { app, services } = await buildTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY } })
    const { email, user, tokens } = await registerAndLogin(app)
    expect((await tool('admin', ['grant-admin', email.toUpperCase()])).stdout).toBe(`${email} now has the admin role (console sign-in)\n`)
    expect((await services.accounts.findById(user.id))?.isAdmin).toBe(true)
    const now = new Date()
    const consoleSession = await insertSession(services.db, {
      id: randomUUID(),
      userId: user.id,
      kind: 'console',
      device: 'curl 8.5 (console)',
      createdAt: now,
      lastActiveAt: now,
      absoluteExpiresAt: new Date(now.getTime() + 3_600_000),
      authTime: now,
    })

    const revoked = await tool('admin', ['revoke-admin', email])
    expect(revoked.stdout).toBe(`${email} no longer has the admin role; its console sessions have ended\n`)
    expect((await services.accounts.findById(user.id))?.isAdmin).toBe(false)
    expect(await findSession(services.db, consoleSession.id)).toMatchObject({ endReason: 'admin' })
    expect(await findSession(services.db, tokens.session.id)).toMatchObject({ endedAt: null })
    const audit = await call(app, 'GET', `/admin/audit?userId=${user.id}`, { bearer: ADMIN_KEY })
    expect(audit.body.entries.map(({ actor, action, target, reason, ip }: Record<string, unknown>) => ({ actor, action, target, reason, ip }))).toEqual([
      { actor: { type: 'api_key', id: 'cli' }, action: 'revoke_admin', target: { userId: user.id }, reason: null, ip: null },
      { actor: { type: 'api_key', id: 'cli' }, action: 'grant_admin', target: { userId: user.id }, reason: null, ip: null },
    ])
  })

  it('refuses an unknown email or command with one line and exit 1', async () => {
    await expect(tool('admin', ['revoke-user', 'nobody@example.test'])).rejects.toMatchObject({ code: 1, stderr: 'sessiond: no user with email nobody@example.test\n' })
    await expect(tool('admin', ['explode'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('usage:') })
    await expect(tool('admin', ['grant-admin', 'nobody@example.test'])).rejects.toMatchObject({ code: 1, stderr: 'sessiond: no user with email nobody@example.test\n' })
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
