import { describe, expect, it } from 'vitest'
import { buildTestApp, call, introspect, registerAndLogin } from '../support/app.js'

async function scrape(app: Awaited<ReturnType<typeof buildTestApp>>['app'], token?: string) {
  const res = await app.request('/metrics', { headers: token ? { authorization: `Bearer ${token}` } : {} })
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') }
}
const value = (text: string, series: string) => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line ? Number(line.split(' ')[1]) : 0
}

describe('GET /metrics', () => {
  it('exposes request, login, refresh, introspection and denylist metrics by route pattern', async () => {
    const { app } = await buildTestApp()
    const { email, tokens } = await registerAndLogin(app)
    await call(app, 'POST', '/login', { json: { email, password: 'wrong wrong wrong' } })
    const refreshed = await call(app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } })
    await call(app, 'POST', '/refresh', { json: { refreshToken: tokens.refreshToken } }) // in the grace window
    await introspect(app, refreshed.body.accessToken)
    await introspect(app, 'garbage')
    await call(app, 'GET', `/me/sessions/${tokens.session.id}`) // no such GET route: 405
    await call(app, 'GET', '/definitely/not/here')

    const { status, text, type } = await scrape(app)
    expect(status).toBe(200)
    expect(type).toMatch(/^text\/plain/)
    expect(value(text, 'sessiond_logins_total{result="success"}')).toBe(1)
    expect(value(text, 'sessiond_logins_total{result="failure"}')).toBe(1)
    expect(value(text, 'sessiond_refreshes_total{outcome="rotated"}')).toBe(1)
    expect(value(text, 'sessiond_refreshes_total{outcome="grace"}')).toBe(1)
    expect(value(text, 'sessiond_introspections_total{result="active"}')).toBe(1)
    expect(value(text, 'sessiond_introspections_total{result="inactive"}')).toBe(1)
    expect(value(text, 'sessiond_denylist_lookups_total{source="redis"}')).toBe(1)
    expect(value(text, 'sessiond_http_requests_total{route="/refresh",method="POST",status="200"}')).toBe(2)
    expect(value(text, 'sessiond_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1)
    expect(text).not.toContain(tokens.session.id) // raw paths never become labels
    expect(value(text, 'sessiond_active_sessions')).toBeGreaterThanOrEqual(1)
    expect(text).toContain('sessiond_webhook_queue_depth')
    expect(text).toContain('process_cpu_user_seconds_total')
  })

  it('counts logins where they are decided: by the service, and a 429 by the login budgets that refused it', async () => {
    const { app } = await buildTestApp()
    const { email } = await registerAndLogin(app)
    // The consecutive account+IP budget (10) is spent by wrong passwords; the next attempt is refused unheard.
    for (let i = 0; i < 10; i += 1) await call(app, 'POST', '/login', { json: { email, password: 'wrong wrong wrong' } })
    expect((await call(app, 'POST', '/login', { json: { email, password: 'wrong wrong wrong' } })).status).toBe(429)
    // Not a login attempt: the body never named credentials, so the service never saw it.
    expect((await call(app, 'POST', '/login', { json: { email: 'not an email' } })).status).toBe(400)

    const { text } = await scrape(app)
    expect(value(text, 'sessiond_logins_total{result="success"}')).toBe(1)
    expect(value(text, 'sessiond_logins_total{result="failure"}')).toBe(10)
    expect(value(text, 'sessiond_logins_total{result="rate_limited"}')).toBe(1)
    expect(value(text, 'sessiond_logins_total{result="error"}')).toBe(0)
  })

  it('requires METRICS_TOKEN when one is set', async () => {
    const { app } = await buildTestApp({ env: { METRICS_TOKEN: 'metrics-token-0123456789' } })
    expect((await scrape(app)).status).toBe(401)
    expect((await scrape(app, 'wrong')).status).toBe(401)
    expect((await scrape(app, 'metrics-token-0123456789')).status).toBe(200)
  })
})
