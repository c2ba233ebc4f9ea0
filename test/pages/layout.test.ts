import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PAGE_CSP } from '../../src/pages/headers.js'
import { STYLESHEET } from '../../src/pages/stylesheet.js'
import { demoPagesApp } from '../support/pages.js'

const app = demoPagesApp()

const CONTRACT_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
}

describe('pageHeaders', () => {
  it.each(['/demo/sign-in', '/demo/broken', '/demo/away'])('%s answers with exactly the contract headers', async (path) => {
    const res = await app.request(path)
    for (const [name, value] of Object.entries(CONTRACT_HEADERS)) expect(res.headers.get(name), name).toBe(value)
    expect(PAGE_CSP).toBe(CONTRACT_HEADERS['content-security-policy'])
  })
})

describe('the layout and the sign-in form', () => {
  it('is an English, responsive HTML document linking one stylesheet of ours, with no inline script or style', async () => {
    const res = await app.request('/demo/sign-in')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=UTF-8')
    const html = await res.text()
    expect(html).toMatch(/^<!doctype html><html lang="en">/)
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>')
    expect(html).toContain('<title>Sign in · sessiond</title>')
    expect([...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1])).toEqual([STYLESHEET.path])
    expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=|javascript:/i)
  })

  it('has fields labelled Email and Password, a Sign in button and a status live region', async () => {
    const html = await (await app.request('/demo/sign-in')).text()
    expect(html).toMatch(/<label for="sign-in-email">Email<\/label><input id="sign-in-email" name="email" type="email"/)
    expect(html).toMatch(/<label for="sign-in-password">Password<\/label><input id="sign-in-password" name="password" type="password"/)
    expect(html).toMatch(/<button class="[^"]*" type="submit">Sign in<\/button>/)
    expect(html).toMatch(/<div id="sign-in-status" class="status" role="status" aria-live="polite"><\/div>/)
    expect(html).toMatch(/<form class="form" method="post" action="\/demo\/sign-in">/)
  })

  it('renders what a user typed as text', async () => {
    const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>@x.example'
    const html = await (await app.request(`/demo/sign-in?failed&email=${encodeURIComponent(hostile)}`)).text()
    expect(html).not.toContain('<script>alert(1)')
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;@x.example"')
    expect(html).toContain('class="status status-error" role="status" aria-live="polite">The email or password is incorrect.</div>')
    expect(html).toContain('aria-invalid="true"')
  })
})

describe('the stylesheet', () => {
  const file = readFileSync(new URL('../../src/pages/assets/app.css', import.meta.url))

  it('has a content-hash URL', () => {
    expect(STYLESHEET.path).toMatch(/^\/assets\/app\.[A-Za-z0-9_-]{12}\.css$/)
    expect(STYLESHEET.hash).toBe(createHash('sha256').update(file).digest('base64url').slice(0, 12))
  })

  it('is served as text/css with a year-long immutable cache', async () => {
    const res = await app.request(STYLESHEET.path)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await res.text()).toBe(file.toString('utf8'))
    expect((await app.request(STYLESHEET.path, { method: 'HEAD' })).status).toBe(200)
  })

  it('covers what the pages need: focus outlines, a danger button, a centred column, dark mode', () => {
    const css = file.toString('utf8')
    expect(css).toMatch(/:focus-visible\s*\{\s*outline: 3px solid/)
    expect(css).toContain('.button-danger')
    expect(css).toContain('max-width: 44rem')
    expect(css).toContain('prefers-color-scheme: dark')
    expect(css).not.toMatch(/url\(\s*['"]?(https?:|\/\/)/) // nothing from another origin
  })
})
