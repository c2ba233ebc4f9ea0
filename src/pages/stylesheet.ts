import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Handler } from 'hono'

/**
 * The hosted pages' one stylesheet, served by sessiond itself (CSP `style-src 'self'`) under a
 * content-hash URL, so it can be cached for a year and a new build is a new URL. Read once at
 * start-up from `assets/app.css` next to this module (the build copies it into dist/pages/assets/).
 */
const css = readFileSync(new URL('./assets/app.css', import.meta.url))
const hash = createHash('sha256').update(css).digest('base64url').slice(0, 12)

export const STYLESHEET = Object.freeze({
  /** Where pages link to it and where `serveStylesheet` must be mounted: `/assets/app.<hash>.css`. */
  path: `/assets/app.${hash}.css`,
  hash,
  css: css.toString('utf8'),
})

/** GET (and HEAD) handler for `STYLESHEET.path`; it does not look at the path, the router does. */
export const serveStylesheet: Handler = (c) => {
  c.header('Content-Type', 'text/css; charset=utf-8')
  // Overrides the API's no-store: the URL changes whenever the content does.
  c.header('Cache-Control', 'public, max-age=31536000, immutable')
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('ETag', `"${hash}"`)
  return c.body(STYLESHEET.css)
}
