import { describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import { buildTestApp, call, registerAndLogin, uniqueEmail } from '../support/app.js'
import { securityEvents } from '../../src/stores/schema.js'

// JSON "\ud800" escapes decode to lone UTF-16 surrogates, which UTF-8 encoding (and so argon2) turns
// into U+FFFD: without a check, every malformed password would be the same password as its U+FFFD twin.
const { app, services } = await buildTestApp()
const LONE = '\ud800'.repeat(12)
const OTHER_LONE = `\udfff\udc00${'\udfff'.repeat(9)}\ud9ff` // lows, then a high with nothing after it
const REPLACEMENT = '\ufffd'.repeat(12)

/** A body with the password as JSON escapes, exactly as a client would send it. */
function rawJson(fields: Record<string, string>): string {
  const body = JSON.stringify(fields)
  expect(body).toMatch(/\\ud[89a-f]/) // JSON.stringify escapes lone surrogates
  return body
}

const login = (email: string, password: string) => call(app, 'POST', '/login', { body: rawJson({ email, password }), headers: { 'content-type': 'application/json' } })

describe('passwords that are not well-formed Unicode', () => {
  it.each([
    ['high surrogates', LONE],
    ['low and high surrogates out of order', OTHER_LONE],
    ['a lone surrogate among valid text', `correct horse battery \ud83d staple`],
  ])('are refused at registration with 400 invalid_request: %s', async (_name, password) => {
    const res = await call(app, 'POST', '/register', { body: rawJson({ email: uniqueEmail(), password }), headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_request')
    expect(res.body.details).toEqual([expect.objectContaining({ path: ['password'] })])
  })

  it('never log in to the account whose password is their U+FFFD twin (401, recorded as a failed login)', async () => {
    const email = uniqueEmail()
    expect((await call(app, 'POST', '/register', { json: { email, password: REPLACEMENT } })).status).toBe(201)
    for (const password of [LONE, OTHER_LONE]) {
      const res = await login(email, password)
      expect(res.status).toBe(401)
      expect(res.body.error).toBe('invalid_credentials')
    }
    expect((await call(app, 'POST', '/login', { json: { email, password: REPLACEMENT } })).status).toBe(200)
    const user = await services.accounts.findByEmail(email)
    const failed = await services.db.select().from(securityEvents).where(and(eq(securityEvents.userId, user!.id), eq(securityEvents.type, 'login_failed')))
    expect(failed).toHaveLength(2)
  })

  it('are refused as a new password with 400, and never match as the current one', async () => {
    const { tokens } = await registerAndLogin(app)
    const change = await call(app, 'POST', '/me/password', { bearer: tokens.accessToken, body: rawJson({ currentPassword: 'correct horse battery staple', newPassword: LONE }), headers: { 'content-type': 'application/json' } })
    expect(change.status).toBe(400)
    expect(change.body.error).toBe('invalid_request')
    expect(change.body.details).toEqual([expect.objectContaining({ path: ['newPassword'] })])

    const email = uniqueEmail()
    expect((await call(app, 'POST', '/register', { json: { email, password: REPLACEMENT } })).status).toBe(201)
    const signedIn = await call(app, 'POST', '/login', { json: { email, password: REPLACEMENT } })
    const bearer = signedIn.body.accessToken
    const reauth = await call(app, 'POST', '/me/reauthenticate', { bearer, body: rawJson({ password: LONE }), headers: { 'content-type': 'application/json' } })
    expect(reauth.status).toBe(403)
    const swap = await call(app, 'POST', '/me/password', { bearer, body: rawJson({ currentPassword: OTHER_LONE, newPassword: 'a whole new passphrase 2026' }), headers: { 'content-type': 'application/json' } })
    expect(swap.status).toBe(403)
  })
})
