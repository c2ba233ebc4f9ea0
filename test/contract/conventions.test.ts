import { describe, expect, it } from 'vitest'
import { buildTestApp, call, listen, STRONG_PASSWORD, uniqueEmail } from '../support/app.js'
import { eq } from 'drizzle-orm'
import { users } from '../../src/stores/schema.js'

const { app, services } = await buildTestApp()

describe('client mistakes are 4xx with {error, message}', () => {
  it.each([
    ['malformed JSON', 'POST', '/login', { body: '{"email":', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
    ['an empty JSON body', 'POST', '/login', { body: '', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
    ['a JSON array', 'POST', '/login', { json: [] }, 400, 'invalid_request'],
    ['JSON null', 'POST', '/register', { json: null }, 400, 'invalid_request'],
    ['text/plain', 'POST', '/login', { body: 'email=a', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ['a form post to /login', 'POST', '/login', { body: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
    ['a multipart post', 'POST', '/register', { body: '--x--', headers: { 'content-type': 'multipart/form-data; boundary=x' } }, 415, 'unsupported_media_type'],
    ['an unknown route', 'GET', '/nope', {}, 404, 'not_found'],
    ['an unknown nested route', 'POST', '/me/nope/deeper', { json: {} }, 404, 'not_found'],
  ] as const)('%s: %s %s → %i %s', async (_label, method, path, options, status, error) => {
    const res = await call(app, method, path, options as never)
    expect(res.status).toBe(status)
    expect(res.body).toEqual(expect.objectContaining({ error, message: expect.any(String) }))
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('a known route with the wrong method is 405 with an Allow header', async () => {
    const res = await call(app, 'GET', '/login')
    expect(res.status).toBe(405)
    expect(res.body.error).toBe('method_not_allowed')
    expect(res.headers.get('allow')).toBe('POST')
    const me = await call(app, 'DELETE', '/me')
    expect(me.status).toBe(405)
    expect(me.headers.get('allow')).toBe('GET, HEAD')
  })

  it('a body over 64 KiB is 413 and creates nothing', async () => {
    const email = uniqueEmail()
    const res = await call(app, 'POST', '/register', {
      body: JSON.stringify({ email, password: STRONG_PASSWORD, padding: 'x'.repeat(65 * 1024) }),
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(413)
    expect(res.body.error).toBe('payload_too_large')
    expect(await services.db.select().from(users).where(eq(users.email, email))).toHaveLength(0)
  })

  it('over a real socket: a declared or a chunked body over 64 KiB is 413', async () => {
    const base = await listen(app)
    const big = JSON.stringify({ email: uniqueEmail(), password: 'x'.repeat(70 * 1024) })
    const declared = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })
    expect(declared.status).toBe(413)
    // A stream body goes out chunked, with no Content-Length to check up front.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 70; i += 1) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)))
        controller.close()
      },
    })
    const chunked = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit)
    expect(chunked.status).toBe(413)
    expect((await chunked.json()).error).toBe('payload_too_large')
  })

  it('accepts application/json with a charset parameter', async () => {
    const res = await call(app, 'POST', '/register', {
      body: JSON.stringify({ email: uniqueEmail(), password: STRONG_PASSWORD }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    })
    expect(res.status).toBe(201)
  })

  it('never leaks the rejected value in validation details', async () => {
    const res = await call(app, 'POST', '/login', { json: { email: 'secret-looking@', password: 42 } })
    expect(res.status).toBe(400)
    expect(JSON.stringify(res.body)).not.toContain('secret-looking')
  })

  it('echoes a request id', async () => {
    const res = await app.request('/healthz', { headers: { 'x-request-id': 'trace-123' } })
    expect(res.headers.get('x-request-id')).toBe('trace-123')
    const generated = await app.request('/healthz')
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })
})
