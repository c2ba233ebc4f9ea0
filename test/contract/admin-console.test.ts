import { describe, expect, it } from 'vitest'
import { buildTestApp, call, registerAndLogin, STRONG_PASSWORD } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { CLI_ACTOR } from '../../src/services/audit.js'
import type { ClientInfo } from '../../src/client-info.js'

// The console's service API (services/admin-console.ts), as the /console pages will call it.

const KEY = 'admin-key-console-0123456789-0123456789-ab'
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const client: ClientInfo = { ip: '203.0.113.9', userAgent: 'curl/8.5.0', device: 'curl 8.5', location: null }

async function world(env: Record<string, string> = {}) {
  const clock = createFakeClock()
  const built = await buildTestApp({ clock, env: { ADMIN_API_KEY: KEY, ...env } })
  const { adminConsole, operatorActions } = built.services
  /** A registered, logged-in user who holds the admin role. */
  const anAdmin = async () => {
    const registered = await registerAndLogin(built.app)
    await operatorActions.grantAdmin(registered.user.id, { actor: CLI_ACTOR })
    return registered
  }
  return { ...built, clock, adminConsole, operatorActions, anAdmin }
}

describe('console sign-in', () => {
  it('opens a console session for an admin: labelled (console), CONSOLE_ABSOLUTE_TTL, a login event, listed with their sessions', async () => {
    const { app, clock, adminConsole, anAdmin } = await world()
    const { email, user, tokens } = await anAdmin()
    const { auth, token } = await adminConsole.signIn(email.toUpperCase(), STRONG_PASSWORD, client)
    expect(auth.admin).toEqual({ id: user.id, email })
    expect(auth.session).toMatchObject({ kind: 'console', device: 'curl 8.5 (console)', userId: user.id })
    expect(auth.session.absoluteExpiresAt.getTime()).toBe(clock.now().getTime() + 12 * HOUR)
    expect((await adminConsole.authenticate(token))?.session.id).toBe(auth.session.id)

    const listed = await call(app, 'GET', '/me/sessions', { bearer: tokens.accessToken })
    const consoleSession = listed.body.sessions.find((session: { id: string }) => session.id === auth.session.id)
    expect(consoleSession).toMatchObject({ device: 'curl 8.5 (console)', expiresAt: new Date(clock.now().getTime() + 30 * MINUTE).toISOString() })
    const events = (await call(app, 'GET', '/me/security-events', { bearer: tokens.accessToken })).body.events
    expect(events[0]).toMatchObject({ type: 'login', sessionId: auth.session.id, device: 'curl 8.5 (console)', ip: client.ip })
  })

  it('refuses a wrong password, a disabled admin and an account without the role alike (invalid_credentials)', async () => {
    const { app, adminConsole, anAdmin, operatorActions } = await world()
    const plain = await registerAndLogin(app)
    const admin = await anAdmin()
    const disabled = await anAdmin()
    await operatorActions.setDisabled(disabled.user.id, true, { actor: CLI_ACTOR })
    for (const [email, password] of [[plain.email, STRONG_PASSWORD], [admin.email, 'not the password at all'], [disabled.email, STRONG_PASSWORD]]) {
      await expect(adminConsole.signIn(email!, password!, client)).rejects.toMatchObject({ code: 'invalid_credentials' })
    }
  })

  it('is valid for the console only: its credential is no refresh token, and ordinary sessions carry no console rights', async () => {
    const { app, adminConsole, anAdmin } = await world()
    const { email, tokens } = await anAdmin()
    const { token } = await adminConsole.signIn(email, STRONG_PASSWORD, client)
    const refresh = await call(app, 'POST', '/refresh', { json: { refreshToken: token } })
    expect(refresh.status).toBe(401)
    expect(refresh.body.error).toBe('invalid_refresh_token')
    expect(await adminConsole.authenticate(tokens.refreshToken)).toBeNull()
    expect(await adminConsole.authenticate('not-a-credential')).toBeNull()
  })

  it('does not count towards MAX_SESSIONS_PER_USER, and is never evicted by a login', async () => {
    const { app, adminConsole, anAdmin } = await world({ MAX_SESSIONS_PER_USER: '1' })
    const { email, password, tokens } = await anAdmin()
    const { token } = await adminConsole.signIn(email, STRONG_PASSWORD, client)
    expect((await call(app, 'GET', '/me', { bearer: tokens.accessToken })).status).toBe(200)
    expect((await call(app, 'POST', '/login', { json: { email, password } })).status).toBe(200)
    expect(await adminConsole.authenticate(token)).not.toBeNull()
  })
})

describe('console sessions end', () => {
  it('after CONSOLE_IDLE_TIMEOUT without activity; activity keeps them up to CONSOLE_ABSOLUTE_TTL', async () => {
    const { clock, adminConsole, anAdmin } = await world()
    const { email } = await anAdmin()
    const idle = await adminConsole.signIn(email, STRONG_PASSWORD, client)
    const busy = await adminConsole.signIn(email, STRONG_PASSWORD, client)
    for (let elapsed = 0; elapsed < 12 * HOUR - 25 * MINUTE; elapsed += 25 * MINUTE) {
      clock.advance(25 * MINUTE)
      expect(await adminConsole.authenticate(busy.token)).not.toBeNull()
    }
    expect(await adminConsole.authenticate(idle.token)).toBeNull()
    clock.advance(25 * MINUTE) // past 12 h
    expect(await adminConsole.authenticate(busy.token)).toBeNull()
  })

  it('at sign-out, and when the role is revoked', async () => {
    const { adminConsole, anAdmin, operatorActions, services } = await world()
    const { email, user } = await anAdmin()
    const first = await adminConsole.signIn(email, STRONG_PASSWORD, client)
    await adminConsole.signOut(first.auth, client)
    expect(await adminConsole.authenticate(first.token)).toBeNull()
    expect(await services.revocation.isRevoked(first.auth.session.id)).toBe(true)

    const second = await adminConsole.signIn(email, STRONG_PASSWORD, client)
    await operatorActions.revokeAdmin(user.id, { actor: CLI_ACTOR })
    expect(await adminConsole.authenticate(second.token)).toBeNull()
    expect(await services.revocation.isRevoked(second.auth.session.id)).toBe(true)
  })
})

describe('console changes', () => {
  it('need a password proof within REAUTH_WINDOW, and are audited under the admin with the note', async () => {
    const { app, clock, adminConsole, anAdmin, operatorActions } = await world()
    const { email, user } = await anAdmin()
    const victim = await registerAndLogin(app)
    const { token } = await adminConsole.signIn(email, STRONG_PASSWORD, client)
    clock.advance(20 * MINUTE)
    await adminConsole.authenticate(token) // activity: the session stays up, the proof ages
    clock.advance(15 * MINUTE)
    const auth = (await adminConsole.authenticate(token))!
    expect(() => adminConsole.operatorCall(auth, { reason: 'Phished', ip: client.ip })).toThrow(expect.objectContaining({ code: 'reauthentication_required' }))
    await expect(adminConsole.reauthenticate(auth, 'wrong password, long enough')).rejects.toMatchObject({ code: 'wrong_password' })

    await adminConsole.reauthenticate(auth, STRONG_PASSWORD)
    const fresh = (await adminConsole.authenticate(token))!
    await operatorActions.revokeSession(victim.tokens.session.id, adminConsole.operatorCall(fresh, { reason: 'Phished', ip: client.ip }))

    const audit = await call(app, 'GET', `/admin/audit?userId=${victim.user.id}`, { bearer: KEY })
    expect(audit.body.entries).toEqual([
      expect.objectContaining({
        actor: { type: 'admin', id: user.id, email },
        action: 'revoke_session',
        target: { userId: victim.user.id, sessionId: victim.tokens.session.id },
        reason: 'Phished',
        ip: client.ip,
      }),
    ])
    const events = (await call(app, 'GET', '/me/security-events', { bearer: (await call(app, 'POST', '/login', { json: { email: victim.email, password: victim.password } })).body.accessToken })).body.events
    expect(events.find((event: { type: string }) => event.type === 'admin_revoked').details).toEqual({ admin: user.id, reasonNote: 'Phished' })
  })
})
