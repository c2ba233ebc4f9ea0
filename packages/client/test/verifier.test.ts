import { generateKeyPairSync } from 'node:crypto'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../src/clock.js'
import { generatePrivateKeyPem, loadKeySet } from '../../../src/services/keys.js'
import { createVerifier, VerifierUnavailableError, type Verdict, type VerifierOptions } from '../src/index.js'
import type { Logger } from '../src/logger.js'
import { buildTestApp, call, INTROSPECTION_CLIENT, isolatedDatabase, listen, redisDenylist, registerAndLogin, type TestApp } from '../../../test/support/app.js'
import { eventually } from '../../../test/support/eventually.js'
import { startOwnRedis } from '../../../test/support/redis-server.js'
import { onClose } from '../../../test/support/resources.js'
import { startTcpRelay } from '../../../test/support/tcp-relay.js'

const MAX_STALENESS_MS = 1000

// One ledger for the file (a database per test would hold a pool each until the file ends).
const ledger = await isolatedDatabase()

/** sessiond on a real socket, heartbeats every 200 ms. */
async function sessiond(options: Parameters<typeof buildTestApp>[0] = {}) {
  const world = await buildTestApp({ database: ledger, clock: systemClock, ...options, env: { STREAM_HEARTBEAT: '200ms', ...options.env } })
  return { ...world, url: await listen(world.app) }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) }
}

function verifierFor(url: string, options: Partial<VerifierOptions> = {}) {
  const verifier = createVerifier({
    url,
    clientId: INTROSPECTION_CLIENT.id,
    clientSecret: INTROSPECTION_CLIENT.secret,
    audience: 'sessiond',
    maxStalenessMs: MAX_STALENESS_MS,
    timeoutMs: 1000,
    logger: recordingLogger(),
    ...options,
  })
  return onClose(verifier, (v) => v.close())
}

async function signedIn(app: TestApp['app']) {
  const { tokens } = await registerAndLogin(app)
  return { token: tokens.accessToken as string, refreshToken: tokens.refreshToken as string, sid: tokens.session.id as string }
}

const logout = (app: TestApp['app'], token: string) => call(app, 'POST', '/logout', { bearer: token })

/** Verifies until `done` holds for the verdict (bounded); returns the verdicts seen. */
async function verifyUntil(verifier: ReturnType<typeof verifierFor>, token: string, done: (verdict: Verdict) => boolean, timeoutMs = 5000) {
  const seen: { at: number; verdict: Verdict }[] = []
  await eventually(async () => {
    const verdict = await verifier.verify(token)
    seen.push({ at: Date.now(), verdict })
    return done(verdict)
  }, timeoutMs)
  return seen
}

describe('createVerifier, mode stream (the default)', () => {
  it('accepts an active token offline, then sees its revocation offline within a heartbeat', async () => {
    const { app, url } = await sessiond()
    const verifier = verifierFor(url)
    expect(await verifier.ready()).toBe(true)
    const { token, sid } = await signedIn(app)
    expect(await verifier.verify(token)).toMatchObject({ active: true, sid, via: 'offline' })
    const started = Date.now()
    expect((await logout(app, token)).status).toBe(204)
    const seen = await verifyUntil(verifier, token, (verdict) => !verdict.active)
    expect(seen.at(-1)!.verdict).toEqual({ active: false, via: 'offline' })
    expect(seen.at(-1)!.at - started).toBeLessThan(MAX_STALENESS_MS)
  })

  it('refuses what is not a valid token of ours: garbage, a refresh token, a foreign signature, another audience', async () => {
    const { app, url, keys } = await sessiond()
    const verifier = verifierFor(url)
    await verifier.ready()
    const { token, refreshToken } = await signedIn(app)
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: keys.signingKid }).sign(generateKeyPairSync('ed25519').privateKey)
    for (const bad of ['garbage', refreshToken, foreign]) expect((await verifier.verify(bad)).active).toBe(false)
    const otherAudience = verifierFor(url, { audience: 'billing' })
    expect((await otherAudience.verify(token)).active).toBe(false)
  })

  it('never accepts a token more than maxStaleness after its revocation answered (20 revocations, verified in a loop)', async () => {
    const { app, url } = await sessiond()
    const verifier = verifierFor(url)
    await verifier.ready()
    const late: number[] = []
    for (let i = 0; i < 20; i += 1) {
      const { token } = await signedIn(app)
      await logout(app, token)
      const answeredAt = Date.now()
      const seen = await verifyUntil(verifier, token, (verdict) => !verdict.active)
      for (const { at, verdict } of seen) if (verdict.active && at - answeredAt > MAX_STALENESS_MS) late.push(at - answeredAt)
    }
    expect(late).toEqual([])
  }, 60_000)

  it('resumes after a dropped connection and learns what was revoked meanwhile', async () => {
    const { app, url } = await sessiond()
    const relay = await startTcpRelay(url)
    const verifier = verifierFor(relay.urlFor(url))
    await verifier.ready()
    const { token } = await signedIn(app)
    expect((await verifier.verify(token)).active).toBe(true)
    relay.cut()
    await logout(app, token)
    const seen = await verifyUntil(verifier, token, (verdict) => !verdict.active)
    expect(seen.at(-1)!.verdict.active).toBe(false)
    // Offline again: the stream came back, not just /introspect answering.
    await eventually(async () => (await verifier.verify((await signedIn(app)).token)).via === 'offline')
  })

  it('a stalled stream (a proxy holding bytes) is never trusted: no accept after maxStaleness, 503 instead, then recovery', async () => {
    const { app, url } = await sessiond()
    const relay = await startTcpRelay(url)
    const verifier = verifierFor(relay.urlFor(url), { timeoutMs: 500 })
    await verifier.ready()
    const { token } = await signedIn(app)
    expect((await verifier.verify(token)).active).toBe(true)
    relay.pause()
    await logout(app, token)
    await new Promise((resolve) => setTimeout(resolve, MAX_STALENESS_MS + 100))
    // Stale, and /introspect (behind the same stalled proxy) cannot answer: refuse, never accept.
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(VerifierUnavailableError)
    relay.resume()
    const seen = await verifyUntil(verifier, token, (verdict) => !verdict.active, 10_000)
    expect(seen.every(({ verdict }) => !verdict.active)).toBe(true)
  })

  it('keeps working through a Redis outage: the stream comes from the ledger', async () => {
    const redis = await startOwnRedis()
    const { app, url } = await sessiond({ denylist: await redisDenylist(redis.url), redis: null })
    const verifier = verifierFor(url)
    await verifier.ready()
    const { token } = await signedIn(app)
    await redis.stop()
    // The logout answers 503 (the denylist could not hear of it), but the ledger has committed it.
    expect((await logout(app, token)).status).toBe(503)
    const seen = await verifyUntil(verifier, token, (verdict) => !verdict.active)
    expect(seen.at(-1)!.verdict).toEqual({ active: false, via: 'offline' })
  })

  it('keeps the last good key set when the JWKS cannot be fetched, and asks /introspect about a kid it does not know', async () => {
    const { app, url, database } = await sessiond()
    let jwksDown = false
    const flakyFetch: typeof fetch = (input, init) =>
      jwksDown && String(input).includes('jwks') ? Promise.reject(new Error('connection refused')) : fetch(input, init)
    const logger = recordingLogger()
    const verifier = verifierFor(url, { fetch: flakyFetch, logger })
    await verifier.ready()
    const { token } = await signedIn(app)
    expect(await verifier.verify(token)).toMatchObject({ active: true, via: 'offline' })
    jwksDown = true
    // Another instance starts with new keys and says so on the stream: the refetch fails.
    const rotated = await buildTestApp({ database, keys: await loadKeySet(generatePrivateKeyPem()) })
    expect(await rotated.services.revocationStream.announceKeys()).toBe(true)
    await eventually(() => logger.lines.some((line) => line.includes('could not fetch the JWKS')))
    expect(await verifier.verify(token)).toMatchObject({ active: true, via: 'offline' })
    const unknownKid = token.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'at+jwt', kid: 'rotated-in-a-moment-ago' })).toString('base64url'))
    expect(await verifier.verify(unknownKid)).toEqual({ active: false, via: 'introspect' })
  })
})

describe('createVerifier, modes introspect and offline', () => {
  it('introspect asks on every call: revocation is immediate', async () => {
    const { app, url } = await sessiond()
    const verifier = verifierFor(url, { mode: 'introspect' })
    const { token, sid } = await signedIn(app)
    expect(await verifier.verify(token)).toMatchObject({ active: true, sid, via: 'introspect' })
    await logout(app, token)
    expect(await verifier.verify(token)).toEqual({ active: false, via: 'introspect' })
  })

  it('offline is the JWKS only, says so in the log, and keeps accepting a revoked session until its token expires', async () => {
    const { app, url } = await sessiond()
    const logger = recordingLogger()
    const verifier = verifierFor(url, { mode: 'offline', logger })
    expect(logger.lines.join('\n')).toMatch(/offline mode: a revoked session keeps working until its access token expires/)
    const { token } = await signedIn(app)
    await logout(app, token)
    expect(await verifier.verify(token)).toMatchObject({ active: true, via: 'offline' })
  })

  it('cannot decide when sessiond is unreachable: VerifierUnavailableError, in every mode, never active', async () => {
    const { app } = await sessiond()
    const { token } = await signedIn(app)
    const closed = 'http://127.0.0.1:1'
    for (const mode of ['stream', 'introspect', 'offline'] as const) {
      const verifier = verifierFor(closed, { mode })
      await expect(verifier.verify(token)).rejects.toBeInstanceOf(VerifierUnavailableError)
    }
  })
})
