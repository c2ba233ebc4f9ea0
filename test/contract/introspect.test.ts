import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SignJWT, exportJWK, calculateJwkThumbprint } from 'jose'
import { basicAuth, buildTestApp, call, introspect, registerAndLogin, INTROSPECTION_CLIENT } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'

/** Each test gets its own app, clock and signed-in user: tests that move the clock move only their own. */
async function signedIn() {
  const clock = createFakeClock()
  const { app, keys } = await buildTestApp({ clock })
  const { tokens, user } = await registerAndLogin(app)
  const claims = () => decode(tokens.accessToken)
  /** Signs arbitrary claims with our real key: for tests of claim checks, not of signatures. */
  const signWithOurKey = (payload: object, header: Record<string, unknown> = {}) =>
    new SignJWT({ ...payload } as never).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: keys.signingKid, ...header }).sign(keys.signingKey)
  return { clock, app, keys, tokens, user, claims, signWithOurKey, ourKid: keys.signingKid }
}
type SignedIn = Awaited<ReturnType<typeof signedIn>>

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())

const attacker = generateKeyPairSync('ed25519')

describe('POST /introspect: active tokens', () => {
  it('answers an active access token with exactly the contract fields', async () => {
    const { app, tokens, user, claims } = await signedIn()
    const res = await introspect(app, tokens.accessToken)
    expect(res.status).toBe(200)
    const { sid, sub, exp, iat, iss, aud } = claims()
    expect(res.body).toEqual({ active: true, sub, sid, exp, iat, iss, aud, token_type: 'access_token' })
    expect(sub).toBe(user.id)
    expect(sid).toBe(tokens.session.id)
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('accepts JSON as well as form encoding', async () => {
    const { app, tokens } = await signedIn()
    const res = await call(app, 'POST', '/introspect', { json: { token: tokens.accessToken, token_type_hint: 'access_token' }, headers: { authorization: basicAuth() } })
    expect(res.body.active).toBe(true)
  })

  it('puts the access-token header and claims the contract requires into the JWT', async () => {
    const { tokens, claims, ourKid } = await signedIn()
    const header = JSON.parse(Buffer.from(tokens.accessToken.split('.')[0]!, 'base64url').toString())
    expect(header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: ourKid })
    expect(Object.keys(claims()).sort()).toEqual(['aud', 'auth_time', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub'])
  })

  it('does not extend the session: introspection is not user activity', async () => {
    const { app, tokens, clock } = await signedIn()
    const before = (await call(app, 'GET', '/me', { bearer: tokens.accessToken })).body.session.lastActiveAt
    clock.advance(2 * 60_000)
    await introspect(app, tokens.accessToken)
    const fresh = await buildTestApp({ clock })
    const rows = await fresh.services.sessions.activeSession(tokens.session.id)
    expect(rows!.lastActiveAt.toISOString()).toBe(before)
  })
})

describe('POST /introspect: everything else is exactly {active: false}', () => {
  const cases: Array<[string, (t: SignedIn) => Promise<string> | string]> = [
    ['garbage', (t) => 'not a token'],
    ['a refresh token', (t) => t.tokens.refreshToken],
    ['alg none', (t) => `${b64({ alg: 'none', typ: 'at+jwt', kid: t.ourKid })}.${b64(t.claims())}.`],
    [
      'HS256 signed with our public key as the HMAC secret',
      (t) => {
        const head = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: t.ourKid })}.${b64(t.claims())}`
        const publicPem = createPublicKey(t.keys.signingKey).export({ format: 'pem', type: 'spki' })
        return `${head}.${createHmac('sha256', publicPem).update(head).digest('base64url')}`
      },
    ],
    [
      'HS256 signed with our public JWK x as the secret',
      (t) => {
        const head = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: t.ourKid })}.${b64(t.claims())}`
        return `${head}.${createHmac('sha256', String(t.keys.jwks.keys[0]!.x)).update(head).digest('base64url')}`
      },
    ],
    [
      'a foreign key advertised in an embedded jwk header',
      async (t) => {
        const jwk = await exportJWK(attacker.publicKey)
        return new SignJWT(t.claims()).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', jwk }).sign(attacker.privateKey)
      },
    ],
    [
      'a foreign key with our kid and an embedded jwk',
      async (t) => {
        const jwk = await exportJWK(attacker.publicKey)
        return new SignJWT(t.claims()).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: t.ourKid, jwk }).sign(attacker.privateKey)
      },
    ],
    [
      'a jku header pointing elsewhere',
      async (t) => {
        const kid = await calculateJwkThumbprint(await exportJWK(attacker.publicKey))
        return new SignJWT(t.claims())
          .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid, jku: 'https://attacker.example/jwks.json' })
          .sign(attacker.privateKey)
      },
    ],
    ['a token signed by another Ed25519 key', (t) => new SignJWT(t.claims()).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: t.ourKid }).sign(attacker.privateKey)],
    [
      'a tampered payload (another sub) with the original signature',
      (t) => {
        const [header, , signature] = t.tokens.accessToken.split('.')
        return `${header}.${b64({ ...t.claims(), sub: '00000000-0000-4000-8000-000000000000' })}.${signature}`
      },
    ],
    ['typ JWT instead of at+jwt', (t) => t.signWithOurKey(t.claims(), { typ: 'JWT' })],
    ['no typ', (t) => new SignJWT(t.claims()).setProtectedHeader({ alg: 'EdDSA', kid: t.ourKid }).sign(t.keys.signingKey)],
    ['an unknown kid', (t) => t.signWithOurKey(t.claims(), { kid: 'someone-else' })],
    ['a wrong audience', (t) => t.signWithOurKey({ ...t.claims(), aud: 'other-service' })],
    ['a wrong issuer', (t) => t.signWithOurKey({ ...t.claims(), iss: 'https://evil.example' })],
    ['no exp', (t) => t.signWithOurKey({ ...t.claims(), exp: undefined })],
    ['no sid', (t) => t.signWithOurKey({ ...t.claims(), sid: undefined })],
    ['a sid that is not a session id', (t) => t.signWithOurKey({ ...t.claims(), sid: 'not-a-uuid' })],
    ['an expired token (past the 5 s leeway)', (t) => t.signWithOurKey({ ...t.claims(), exp: Math.floor(t.clock.now().getTime() / 1000) - 6 })],
  ]

  it.each(cases)('%s', async (_label, makeToken) => {
    const t = await signedIn()
    const res = await introspect(t.app, await makeToken(t))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ active: false })
  })

  it('an access token stops being active when its exp passes', async () => {
    const { app, clock } = await signedIn()
    const { tokens: own } = await registerAndLogin(app)
    expect((await introspect(app, own.accessToken)).body.active).toBe(true)
    clock.advance((own.expiresIn + 6) * 1000)
    expect((await introspect(app, own.accessToken)).body).toEqual({ active: false })
  })
})

describe('POST /introspect: caller authentication', () => {
  const form = async (authorization?: string) =>
    call((await buildTestApp()).app, 'POST', '/introspect', {
      body: 'token=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    })

  it.each([
    ['no credentials', undefined],
    ['a wrong secret', basicAuth(INTROSPECTION_CLIENT.id, 'wrong-secret-wrong-secret-wrong-secret')],
    ['an unknown client', basicAuth('someone', INTROSPECTION_CLIENT.secret)],
    ['a bearer token instead of Basic', 'Bearer abc'],
    ['Basic without a colon', `Basic ${Buffer.from('orders-api').toString('base64')}`],
  ])('refuses %s with 401 invalid_client and a Basic challenge', async (_label, authorization) => {
    const res = await form(authorization)
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('invalid_client')
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="sessiond"')
  })

  it('refuses everyone when INTROSPECTION_CLIENTS is unset', async () => {
    const { tokens } = await signedIn()
    const closed = await buildTestApp({ env: { INTROSPECTION_CLIENTS: '' } })
    const res = await introspect(closed.app, tokens.accessToken)
    expect(res.status).toBe(401)
  })

  it.each([
    ['a form without token', 'token_type_hint=access_token'],
    ['an empty token', 'token='],
  ])('answers 400 invalid_request for %s', async (_label, body) => {
    const { app } = await buildTestApp()
    const res = await call(app, 'POST', '/introspect', {
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth() },
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_request')
  })
})

describe('GET /.well-known/jwks.json', () => {
  it('publishes our public key by kid, and no private part', async () => {
    const { app, keys } = await buildTestApp()
    const ourKid = keys.signingKid
    const res = await call(app, 'GET', '/.well-known/jwks.json')
    expect(res.status).toBe(200)
    expect(res.body.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: ourKid, alg: 'EdDSA', use: 'sig' }])
    expect(JSON.stringify(res.body)).not.toContain('"d"')
  })
})
