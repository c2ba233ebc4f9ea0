import type { MiddlewareHandler } from 'hono'

/** The contract's policy for every hosted page: only our own script, style and images; no framing. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': PAGE_CSP,
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
})

/**
 * Sets the page headers on whatever the page route answers (an error rendered by onError and a
 * redirect included), overriding anything set before.
 */
export const pageHeaders: MiddlewareHandler = async (c, next) => {
  await next()
  try {
    for (const [name, value] of Object.entries(PAGE_HEADERS)) c.res.headers.set(name, value)
  } catch {
    // Immutable headers (Response.redirect()): answer a copy.
    c.res = new Response(c.res.body, c.res)
    for (const [name, value] of Object.entries(PAGE_HEADERS)) c.res.headers.set(name, value)
  }
}
