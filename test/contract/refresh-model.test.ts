import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTestApp, call, introspect, registerAndLogin, type CallResult, type TestApp } from '../support/app.js'
import { createFakeClock, type FakeClock } from '../support/clock.js'
import { CookieJar, parseSetCookie } from '../support/cookie-jar.js'

// Model-based test of the contract's rotation rules, against the real app on real Postgres:
// the newest token rotates; only its immediate predecessor, within REFRESH_REUSE_GRACE, gets the
// same successor back; anything else retired is theft and ends the session for everyone. The same
// model runs through both transports: tokens in bodies (Bearer) and in the session cookies.

const GRACE_MS = 10_000

interface Model {
  /** Index = generation; the last one is the newest. */
  retiredAt: (number | null)[]
  ended: boolean
}

/**
 * A fresh app and clock per run: the thefts a run provokes are failures that count toward the
 * per-IP refresh budget (every in-process request shares one unknown IP), and its waits are its own.
 */
interface Real {
  app: TestApp['app']
  clock: FakeClock
  transport: Transport
  tokens: string[]
  accessTokens: string[]
}

type Transport = 'bearer' | 'cookie'
type Pair = { accessToken: string; refreshToken: string }

/** How each transport presents a refresh token and where the answer's tokens are. */
const TRANSPORTS: Record<Transport, { refresh: (app: TestApp['app'], token: string) => Promise<CallResult>; tokens: (res: CallResult) => Pair }> = {
  bearer: {
    refresh: (app, refreshToken) => call(app, 'POST', '/refresh', { json: { refreshToken } }),
    tokens: (res) => ({ accessToken: res.body.accessToken, refreshToken: res.body.refreshToken }),
  },
  cookie: {
    // No body: the refresh cookie is the token; a browser sends what its jar holds.
    refresh: (app, refreshToken) => call(app, 'POST', '/refresh', { jar: new CookieJar().set('__Host-sessiond_refresh', refreshToken) }),
    tokens: (res) => {
      const cookies = Object.fromEntries(res.headers.getSetCookie().map(parseSetCookie).map((cookie) => [cookie.name, cookie.value]))
      if (res.status === 200) expect(res.body).not.toHaveProperty('refreshToken')
      return { accessToken: cookies['__Host-sessiond_access']!, refreshToken: cookies['__Host-sessiond_refresh']! }
    },
  },
}

/** Every 401 of the cookie transport also expires both cookies. */
function expectCookiesCleared(real: Real, res: CallResult) {
  if (real.transport === 'cookie') expect(TRANSPORTS.cookie.tokens(res)).toEqual({ accessToken: '', refreshToken: '' })
}

class Present implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = () => true
  async run(model: Model, real: Real) {
    const generation = this.pick % model.retiredAt.length
    const transport = TRANSPORTS[real.transport]
    const res = await transport.refresh(real.app, real.tokens[generation]!)
    const newest = model.retiredAt.length - 1
    const now = real.clock.now().getTime()
    if (model.ended) {
      expect(res.status).toBe(401)
      expect(res.body).toMatchObject({ error: 'session_revoked', reason: 'reuse_detected' })
      expectCookiesCleared(real, res)
    } else if (generation === newest) {
      expect(res.status).toBe(200)
      const pair = transport.tokens(res)
      model.retiredAt[generation] = now
      model.retiredAt.push(null)
      real.tokens.push(pair.refreshToken)
      real.accessTokens.push(pair.accessToken)
    } else if (generation === newest - 1 && now - model.retiredAt[generation]! <= GRACE_MS) {
      expect(res.status).toBe(200)
      const pair = transport.tokens(res)
      expect(pair.refreshToken).toBe(real.tokens[newest]) // the same successor: no fork
      real.accessTokens.push(pair.accessToken)
    } else {
      expect(res.status).toBe(401)
      expect(res.body.error).toBe('refresh_token_reused')
      expectCookiesCleared(real, res)
      model.ended = true
    }
  }
  toString = () => `present(${this.pick})`
}

class Wait implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true
  async run(_model: Model, real: Real) {
    real.clock.advance(this.ms)
  }
  toString = () => `wait(${this.ms})`
}

// Runs per transport: half of what one transport alone would run, so the file costs what it did.
const RUNS = Number(process.env.MODEL_RUNS ?? 13)

describe.each(['bearer', 'cookie'] as const)('refresh rotation, grace and reuse detection (model-based, %s transport)', (transport) => {
  it('matches the contract for any sequence of presentations and waits', async () => {
    const commands = fc.commands(
      [fc.nat(20).map((pick) => new Present(pick)), fc.constantFrom(1_000, 4_000, 9_000, 10_000, 11_000).map((ms) => new Wait(ms))],
      { maxCommands: 14 },
    )
    await fc.assert(
      fc.asyncProperty(commands, async (sequence) => {
        const clock = createFakeClock()
        const { app } = await buildTestApp({ clock })
        const jar = new CookieJar()
        const login = await registerAndLogin(app, transport === 'cookie' ? { headers: { 'sessiond-transport': 'cookie' }, jar } : {})
        const first = transport === 'cookie' ? { accessToken: jar.get('__Host-sessiond_access')!, refreshToken: jar.get('__Host-sessiond_refresh')! } : login.tokens
        const model: Model = { retiredAt: [null], ended: false }
        const real: Real = { app, clock, transport, tokens: [first.refreshToken], accessTokens: [first.accessToken] }
        await fc.asyncModelRun(() => ({ model, real }), sequence)
        // Whatever happened, a theft leaves no access token of the session active anywhere.
        if (model.ended) {
          for (const accessToken of real.accessTokens) expect((await introspect(app, accessToken)).body).toEqual({ active: false })
        }
      }),
      { numRuns: RUNS },
    )
  }, 120_000)
})
