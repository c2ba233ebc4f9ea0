import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { buildTestApp, listen } from '../support/app.js'

// fetch() and app.request() resolve "%2e%2e" before we ever see it; a raw request sends the target as is,
// the way a proxy that matched on the raw path forwards it.
const { app } = await buildTestApp({ env: { ADMIN_API_KEY: 'admin-key-canonical-0123456789-0123456789' } })
const base = new URL(await listen(app))

function rawGet(target: string): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method: 'GET', path: target, headers: { host: base.host } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => {
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          /* Prometheus text, for instance */
        }
        resolve({ status: res.statusCode!, headers: res.headers, body })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

describe('non-canonical request paths', () => {
  it.each([
    '/x/%2e%2e/metrics',
    '/x/%2E%2e/metrics',
    '/me/%2e%2e/admin/users',
    '/%2E%2E/healthz',
    '/me/..%2fadmin/users',
    '/x/../metrics',
    '/./healthz',
    '/%2e/healthz',
    '/x/.%2e/metrics',
    '//healthz',
    '/me//sessions',
    '/me%2fsessions',
    '/me%2Fsessions',
    '/healthz%5c',
    '/me/%5c..%5cadmin/users',
    `http://${'127.0.0.1'}/x/%2e%2e/metrics`,
  ])('%s is 404 not_found, never the route it resolves to', async (target) => {
    const res = await rawGet(target)
    expect(res.status).toBe(404)
    expect(res.body).toMatchObject({ error: 'not_found' })
    expect(res.headers['x-request-id']).toEqual(expect.any(String))
  })

  it.each([
    ['/healthz', 200],
    ['/healthz?next=%2e%2e%2fmetrics', 200], // the query is not the path
    ['/metrics', 200],
    ['/admin/users', 401],
    ['/me/sessions/...', 405], // three dots are a name, not a dot segment (GET is not served there)
  ])('%s still routes normally (%i)', async (target, status) => {
    expect((await rawGet(target)).status).toBe(status)
  })
})
