import { describe, expect, it } from 'vitest'
import { basicAuth, buildTestApp, listen, registerAndLogin } from '../support/app.js'

/**
 * The ordinary POST /introspect is answered before the general middleware chain (for speed); any
 * other spelling of the call still goes through the chain. A backend must not be able to tell which
 * one answered: same body, same headers, same metrics, same access-log line.
 */
async function served() {
  const built = await buildTestApp()
  const { tokens } = await registerAndLogin(built.app)
  const base = await listen(built.app)
  const ask = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(), ...headers },
      body: `token=${tokens.accessToken}`,
    })
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> }
  }
  return { ...built, tokens, ask }
}

/** The headers a client may rely on, without the per-request and per-moment values. */
const stableHeaders = (headers: Headers) => [...headers.keys()].filter((name) => !['date', 'x-request-id'].includes(name)).sort()

const metric = async (registry: { metrics(): Promise<string> }, series: string) => {
  const line = (await registry.metrics()).split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line ? Number(line.split(' ')[1]) : 0
}

describe('POST /introspect: the fast path and the general chain answer alike', () => {
  it('over a real socket: same body and headers whichever path answered', async () => {
    const { ask } = await served()
    const fast = await ask('/introspect')
    // A query string (or an Origin) sends the call down the general chain.
    const chain = await ask('/introspect?via=chain')
    expect(fast.status).toBe(200)
    expect(chain.status).toBe(200)
    expect(fast.body).toEqual(chain.body)
    expect(fast.body.active).toBe(true)
    expect(stableHeaders(fast.headers)).toEqual(stableHeaders(chain.headers))
    expect(fast.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(fast.headers.get('cache-control')).toBe('no-store')
    expect(fast.headers.get('x-content-type-options')).toBe('nosniff')
    expect(fast.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('keeps a sane incoming X-Request-Id and writes one access-log line carrying it', async () => {
    const { ask, logs } = await served()
    const res = await ask('/introspect', { 'x-request-id': 'backend-call-42' })
    expect(res.headers.get('x-request-id')).toBe('backend-call-42')
    const lines = logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.reqId === 'backend-call-42')
    expect(lines).toEqual([expect.objectContaining({ msg: 'request', method: 'POST', path: '/introspect', status: 200, ms: expect.any(Number) })])
  })

  it('counts requests and answers in the same metric series as the general chain', async () => {
    const { ask, services } = await served()
    const requests = 'sessiond_http_requests_total{route="/introspect",method="POST",status="200"}'
    const before = await metric(services.metrics.registry, requests)
    await ask('/introspect')
    await ask('/introspect?via=chain')
    expect(await metric(services.metrics.registry, requests)).toBe(before + 2)
    expect(await metric(services.metrics.registry, 'sessiond_introspections_total{result="active"}')).toBe(2)
    expect(await metric(services.metrics.registry, 'sessiond_http_request_duration_seconds_count{route="/introspect",method="POST"}')).toBe(before + 2)
  })

  it('a wrong secret is refused after the right one was accepted: only successes are remembered', async () => {
    const { ask } = await served()
    expect((await ask('/introspect')).status).toBe(200)
    const wrong = await ask('/introspect', { authorization: basicAuth('orders-api', 'not-the-secret-not-the-secret-not') })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error).toBe('invalid_client')
    expect((await ask('/introspect')).status).toBe(200)
  })

  it('a session ended after its token was seen is inactive on the very next call', async () => {
    const { ask, tokens, app } = await served()
    expect((await ask('/introspect')).body.active).toBe(true)
    await app.request('/logout', { method: 'POST', headers: { authorization: `Bearer ${tokens.accessToken}` } })
    expect((await ask('/introspect')).body).toEqual({ active: false })
  })
})
