import type { MiddlewareHandler } from 'hono'

const JSON_UTF8 = 'application/json; charset=utf-8'

/**
 * Nothing may be cached unless a route says otherwise (routes may override Cache-Control), and JSON
 * bodies carry the charset the contract names. Error responses pass through here too.
 */
export const defaultHeaders: MiddlewareHandler = async (c, next) => {
  c.header('Cache-Control', 'no-store')
  c.header('X-Content-Type-Options', 'nosniff')
  await next()
  // c.json() always writes a bare "application/json", so the charset is added afterwards.
  if (c.res.headers.get('Content-Type') === 'application/json') c.res.headers.set('Content-Type', JSON_UTF8)
}
