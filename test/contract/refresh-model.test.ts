import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTestApp, call, introspect, registerAndLogin, type TestApp } from '../support/app.js'
import { createFakeClock, type FakeClock } from '../support/clock.js'

// Model-based test of the contract's rotation rules, against the real app on real Postgres:
// the newest token rotates; only its immediate predecessor, within REFRESH_REUSE_GRACE, gets the
// same successor back; anything else retired is theft and ends the session for everyone.

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
  tokens: string[]
  accessTokens: string[]
}

class Present implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = () => true
  async run(model: Model, real: Real) {
    const generation = this.pick % model.retiredAt.length
    const res = await call(real.app, 'POST', '/refresh', { json: { refreshToken: real.tokens[generation] } })
    const newest = model.retiredAt.length - 1
    const now = real.clock.now().getTime()
    if (model.ended) {
      expect(res.status).toBe(401)
      expect(res.body).toMatchObject({ error: 'session_revoked', reason: 'reuse_detected' })
    } else if (generation === newest) {
      expect(res.status).toBe(200)
      model.retiredAt[generation] = now
      model.retiredAt.push(null)
      real.tokens.push(res.body.refreshToken)
      real.accessTokens.push(res.body.accessToken)
    } else if (generation === newest - 1 && now - model.retiredAt[generation]! <= GRACE_MS) {
      expect(res.status).toBe(200)
      expect(res.body.refreshToken).toBe(real.tokens[newest]) // the same successor: no fork
      real.accessTokens.push(res.body.accessToken)
    } else {
      expect(res.status).toBe(401)
      expect(res.body.error).toBe('refresh_token_reused')
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

describe('refresh rotation, grace and reuse detection (model-based)', () => {
  it('matches the contract for any sequence of presentations and waits', async () => {
    const commands = fc.commands(
      [fc.nat(20).map((pick) => new Present(pick)), fc.constantFrom(1_000, 4_000, 9_000, 10_000, 11_000).map((ms) => new Wait(ms))],
      { maxCommands: 14 },
    )
    await fc.assert(
      fc.asyncProperty(commands, async (sequence) => {
        const clock = createFakeClock()
        const { app } = await buildTestApp({ clock })
        const { tokens } = await registerAndLogin(app)
        const model: Model = { retiredAt: [null], ended: false }
        const real: Real = { app, clock, tokens: [tokens.refreshToken], accessTokens: [tokens.accessToken] }
        await fc.asyncModelRun(() => ({ model, real }), sequence)
        // Whatever happened, a theft leaves no access token of the session active anywhere.
        if (model.ended) {
          for (const accessToken of real.accessTokens) expect((await introspect(app, accessToken)).body).toEqual({ active: false })
        }
      }),
      { numRuns: Number(process.env.MODEL_RUNS ?? 25) },
    )
  }, 120_000)
})
