import { Hono } from 'hono'
import { pageHeaders } from '../../src/pages/headers.js'
import { SignInPage } from '../../src/pages/sign-in.js'
import { STYLESHEET, serveStylesheet } from '../../src/pages/stylesheet.js'

/** A tiny app: the page skeleton mounted as the lead will mount it, no sessiond routes. */
export function demoPagesApp() {
  const app = new Hono()
  app.onError((_error, c) => c.html('<!doctype html><title>Error</title><p>Something went wrong.</p>', 500))
  app.get(STYLESHEET.path, serveStylesheet)
  app.use('/demo/*', pageHeaders)
  app.get('/demo/sign-in', (c) => {
    const email = c.req.query('email')
    const failed = c.req.query('failed') !== undefined
    return c.html(SignInPage({ action: '/demo/sign-in', email, message: failed ? { kind: 'error', text: 'The email or password is incorrect.' } : null }))
  })
  app.get('/demo/broken', () => {
    throw new Error('boom')
  })
  app.get('/demo/away', () => Response.redirect('http://localhost/demo/sign-in', 303))
  return app
}
