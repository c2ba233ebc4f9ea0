import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.js'
import {
  browserCors,
  CORS_ALLOW_HEADERS,
  crossOriginVerdict,
  protectCrossOrigin,
  type CrossOriginRequest,
  type CrossOriginVerdict,
} from '../../src/http/cross-origin.js'

const APP = 'https://app.example.com'
const OWN_HOST = 'sessions.example.com'
const OWN = `https://${OWN_HOST}`

type Case = [name: string, request: Partial<CrossOriginRequest>, verdict: CrossOriginVerdict]

const base: CrossOriginRequest = { method: 'POST', host: OWN_HOST, publicOrigin: null, browserOrigins: [APP] }

describe('crossOriginVerdict: the rule of Go 1.25 net/http.CrossOriginProtection', () => {
  const cases: Case[] = [
    // Sec-Fetch-Site present
    ['Sec-Fetch-Site: same-origin', { secFetchSite: 'same-origin', origin: OWN }, 'allow'],
    ['Sec-Fetch-Site: same-origin, even with a foreign Origin (the browser is believed)', { secFetchSite: 'same-origin', origin: 'https://evil.example' }, 'allow'],
    ['Sec-Fetch-Site: none (typed URL, bookmark)', { secFetchSite: 'none' }, 'allow'],
    ['Sec-Fetch-Site: same-site from an unlisted origin', { secFetchSite: 'same-site', origin: 'https://other.example.com' }, 'deny'],
    ['Sec-Fetch-Site: cross-site from an unlisted origin', { secFetchSite: 'cross-site', origin: 'https://evil.example' }, 'deny'],
    ['Sec-Fetch-Site: cross-site from a BROWSER_ORIGINS origin', { secFetchSite: 'cross-site', origin: APP }, 'allow'],
    ['Sec-Fetch-Site: same-site from a BROWSER_ORIGINS origin', { secFetchSite: 'same-site', origin: APP }, 'allow'],
    ['Sec-Fetch-Site: cross-site without Origin', { secFetchSite: 'cross-site' }, 'deny'],
    ['Sec-Fetch-Site: cross-site, Origin equal to Host is not enough', { secFetchSite: 'cross-site', origin: OWN }, 'deny'],
    ['Sec-Fetch-Site: cross-site, Origin "null"', { secFetchSite: 'cross-site', origin: 'null' }, 'deny'],
    ['an unknown Sec-Fetch-Site value', { secFetchSite: 'same-origin-ish', origin: 'https://evil.example' }, 'deny'],
    ['Sec-Fetch-Site compared exactly, as Go does', { secFetchSite: 'Same-Origin', origin: 'https://evil.example' }, 'deny'],
    ['a listed origin differing only in a trailing slash is not listed', { secFetchSite: 'cross-site', origin: `${APP}/` }, 'deny'],
    ['a listed origin over another scheme is not listed', { secFetchSite: 'cross-site', origin: 'http://app.example.com' }, 'deny'],
    // no Sec-Fetch-Site
    ['neither Sec-Fetch-Site nor Origin (curl, a server)', {}, 'allow'],
    ['empty headers count as absent', { secFetchSite: '', origin: '' }, 'allow'],
    ['no Sec-Fetch-Site, Origin is own origin via Host', { origin: OWN }, 'allow'],
    ['no Sec-Fetch-Site, own origin via Host with a port', { origin: 'http://localhost:3000', host: 'localhost:3000' }, 'allow'],
    ['no Sec-Fetch-Site, Host compared without its case', { origin: OWN, host: 'Sessions.Example.COM' }, 'allow'],
    ['no Sec-Fetch-Site, Origin on another port of the host', { origin: 'http://localhost:4000', host: 'localhost:3000' }, 'deny'],
    ['no Sec-Fetch-Site, Origin via Host over http (Go cannot tell the scheme)', { origin: `http://${OWN_HOST}` }, 'allow'],
    ['no Sec-Fetch-Site, Origin is PUBLIC_URL', { origin: OWN, host: 'internal:8080', publicOrigin: OWN }, 'allow'],
    ['no Sec-Fetch-Site, PUBLIC_URL set: matching Host is not enough', { origin: 'http://internal:8080', host: 'internal:8080', publicOrigin: OWN }, 'deny'],
    ['no Sec-Fetch-Site, PUBLIC_URL compared with its scheme', { origin: `http://${OWN_HOST}`, publicOrigin: OWN }, 'deny'],
    ['no Sec-Fetch-Site, Origin in BROWSER_ORIGINS', { origin: APP }, 'allow'],
    ['no Sec-Fetch-Site, foreign Origin', { origin: 'https://evil.example' }, 'deny'],
    ['no Sec-Fetch-Site, Origin "null" (sandboxed frame, file:, redirects)', { origin: 'null' }, 'deny'],
    ['no Sec-Fetch-Site, Origin "null" even if Host were "null"', { origin: 'null', host: 'null' }, 'deny'],
    ['no Sec-Fetch-Site, Origin that is not a URL', { origin: 'garbage' }, 'deny'],
    ['no Sec-Fetch-Site, no Host to compare with', { origin: OWN, host: null }, 'deny'],
    // methods
    ['GET is never judged', { method: 'GET', secFetchSite: 'cross-site', origin: 'https://evil.example' }, 'allow'],
    ['HEAD is never judged', { method: 'HEAD', secFetchSite: 'cross-site', origin: 'https://evil.example' }, 'allow'],
    ['OPTIONS is never judged (preflights)', { method: 'OPTIONS', secFetchSite: 'cross-site', origin: 'https://evil.example' }, 'allow'],
    ['get, in lower case, is GET', { method: 'get', secFetchSite: 'cross-site', origin: 'https://evil.example' }, 'allow'],
    ...(['POST', 'PUT', 'PATCH', 'DELETE', 'post', 'Put', 'patch', 'delete', 'PROPFIND'].map(
      (method): Case => [`${method} is judged`, { method, secFetchSite: 'cross-site', origin: 'https://evil.example' }, 'deny'],
    )),
  ]

  it.each(cases)('%s', (_name, overrides, verdict) => {
    expect(crossOriginVerdict({ ...base, ...overrides })).toBe(verdict)
  })

  it('with no BROWSER_ORIGINS, every cross-site request is denied', () => {
    expect(crossOriginVerdict({ ...base, browserOrigins: [], secFetchSite: 'cross-site', origin: APP })).toBe('deny')
    expect(crossOriginVerdict({ ...base, browserOrigins: [], origin: APP })).toBe('deny')
  })
})

/** A tiny app: the middleware in front of a handler that counts what it changed. */
function protectedApp(appliesTo: Parameters<typeof protectCrossOrigin>[0]['appliesTo'] = () => true) {
  const changes: string[] = []
  const app = new Hono()
  app.onError((error, c) => {
    if (error instanceof AppError) return c.json({ error: error.code, message: error.message }, error.status as 403)
    return c.json({ error: 'internal_error' }, 500)
  })
  app.use('*', protectCrossOrigin({ publicOrigin: null, browserOrigins: [APP], appliesTo }))
  app.all('/thing', (c) => {
    changes.push(c.req.method)
    return c.json({ ok: true })
  })
  return { app, changes }
}

describe('protectCrossOrigin', () => {
  it('answers 403 cross_origin_request and runs no handler', async () => {
    const { app, changes } = protectedApp()
    const res = await app.request('https://sessions.example.com/thing', {
      method: 'POST',
      headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error: 'cross_origin_request', message: 'Cross-origin requests are not allowed here.' })
    expect(changes).toEqual([])
  })

  it('lets through what the rule allows', async () => {
    const { app, changes } = protectedApp()
    const allowed: Record<string, string>[] = [
      { 'sec-fetch-site': 'same-origin', origin: OWN },
      { 'sec-fetch-site': 'cross-site', origin: APP },
      {},
      { origin: OWN, host: OWN_HOST },
    ]
    for (const headers of allowed) {
      const res = await app.request('https://sessions.example.com/thing', { method: 'POST', headers })
      expect(res.status, JSON.stringify(headers)).toBe(200)
    }
    expect(changes).toHaveLength(allowed.length)
  })

  it('judges Origin against the Host header, falling back to the URL host', async () => {
    const { app } = protectedApp()
    // app.request sends no Host header: the URL's host stands in.
    const viaUrl = await app.request('http://localhost:3000/thing', { method: 'POST', headers: { origin: 'http://localhost:3000' } })
    expect(viaUrl.status).toBe(200)
    const viaHeader = await app.request('http://localhost:3000/thing', { method: 'POST', headers: { origin: 'http://localhost:3000', host: 'other:1' } })
    expect(viaHeader.status).toBe(403)
  })

  it('never judges GET or HEAD', async () => {
    const { app, changes } = protectedApp()
    for (const method of ['GET', 'HEAD']) {
      const res = await app.request('https://sessions.example.com/thing', { method, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } })
      expect(res.status).toBe(200)
    }
    expect(changes).toEqual(['GET', 'HEAD'])
  })

  it('judges only the requests appliesTo selects (bearer requests are not subject)', async () => {
    const seen: string[] = []
    const { app, changes } = protectedApp((c) => {
      seen.push(c.req.method)
      return c.req.header('authorization') === undefined
    })
    const hostile = { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }
    const bearer = await app.request('https://sessions.example.com/thing', { method: 'POST', headers: { ...hostile, authorization: 'Bearer x' } })
    expect(bearer.status).toBe(200)
    const cookie = await app.request('https://sessions.example.com/thing', { method: 'POST', headers: hostile })
    expect(cookie.status).toBe(403)
    expect(changes).toEqual(['POST'])
    // appliesTo is not even asked about safe methods.
    await app.request('https://sessions.example.com/thing', { method: 'GET', headers: hostile })
    expect(seen).toEqual(['POST', 'POST'])
  })
})

describe('browserCors', () => {
  const methods: Record<string, string[]> = { '/login': ['POST'], '/me': ['GET', 'HEAD', 'DELETE'] }
  function corsApp() {
    const app = new Hono()
    app.onError((error, c) => c.json({ error: error instanceof AppError ? error.code : 'internal_error' }, error instanceof AppError ? (error.status as 401) : 500))
    app.use('*', browserCors({ browserOrigins: [APP, 'http://localhost:5173'], allowedMethods: (path) => methods[path] ?? [] }))
    app.post('/login', (c) => c.json({ ok: true }))
    app.get('/me', (c) => c.json({ ok: true }))
    app.delete('/me', () => {
      throw new AppError('unauthorized')
    })
    app.get('/redirect', () => Response.redirect('https://sessions.example.com/me', 302))
    app.notFound((c) => c.json({ error: 'not_found' }, 404))
    return app
  }
  const preflight = (origin: string, path = '/login') =>
    corsApp().request(`https://sessions.example.com${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, sessiond-transport' },
    })

  it("answers a listed origin's preflight with credentialed CORS and the route's methods", async () => {
    const res = await preflight(APP)
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
    expect(res.headers.get('access-control-allow-credentials')).toBe('true')
    expect(res.headers.get('access-control-allow-headers')).toBe(CORS_ALLOW_HEADERS)
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type, authorization, sessiond-transport')
    expect(res.headers.get('access-control-allow-methods')).toBe('POST')
    expect(res.headers.get('vary')).toBe('Origin')
    const me = await preflight('http://localhost:5173', '/me')
    expect(me.headers.get('access-control-allow-methods')).toBe('GET, HEAD, DELETE')
    expect(me.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
  })

  it.each(['https://evil.example', 'null', `${APP}/`, 'http://app.example.com', 'https://APP.example.com'])('gives %s no CORS headers', async (origin) => {
    const pre = await preflight(origin)
    expect(pre.status).toBe(404) // the route's usual answer to OPTIONS
    const actual = await corsApp().request('https://sessions.example.com/login', { method: 'POST', headers: { origin } })
    for (const res of [pre, actual]) {
      for (const name of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods', 'access-control-allow-headers']) {
        expect(res.headers.get(name)).toBeNull()
      }
    }
  })

  it('answers no preflight for a route that does not exist', async () => {
    const res = await preflight(APP, '/nowhere')
    expect(res.status).toBe(404)
    expect(res.headers.get('access-control-allow-methods')).toBeNull()
  })

  it('marks actual requests from a listed origin, errors and immutable responses included', async () => {
    const app = corsApp()
    for (const [method, path, status] of [['POST', '/login', 200], ['GET', '/me', 200], ['DELETE', '/me', 401], ['GET', '/redirect', 302]] as const) {
      const res = await app.request(`https://sessions.example.com${path}`, { method, headers: { origin: APP } })
      expect(res.status).toBe(status)
      expect(res.headers.get('access-control-allow-origin')).toBe(APP)
      expect(res.headers.get('access-control-allow-credentials')).toBe('true')
      expect(res.headers.get('vary')).toBe('Origin')
      expect(res.headers.get('access-control-allow-methods')).toBeNull()
    }
  })

  it('without Origin, nothing is added', async () => {
    const res = await corsApp().request('https://sessions.example.com/login', { method: 'POST' })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    expect(res.headers.get('vary')).toBeNull()
  })
})
