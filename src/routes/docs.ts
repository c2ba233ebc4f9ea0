import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Hono } from 'hono'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/app-env.js'

// Both resolve to the project root from src/routes and from dist/routes alike.
const SPEC_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url))
const DOCS_PATH = fileURLToPath(new URL('../../docs/api.html', import.meta.url))

// The page is self-contained (Redoc inlined by `npm run docs:build`); this policy makes sure it
// never reaches out to a CDN, so it renders the same with no internet.
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
].join('; ')

/** GET /openapi.yaml (the contract in machine form) and GET /docs (its rendered reference). */
export function docsRoutes() {
  const spec = readFileSync(SPEC_PATH, 'utf8')
  const page = existsSync(DOCS_PATH) ? readFileSync(DOCS_PATH, 'utf8') : null
  return new Hono<AppEnv>()
    .get('/openapi.yaml', (c) => {
      c.header('Cache-Control', 'public, max-age=300')
      c.header('Content-Type', 'application/yaml; charset=utf-8')
      return c.body(spec)
    })
    .get('/docs', (c) => {
      c.header('Cache-Control', 'public, max-age=300')
      if (!page) {
        throw new AppError('unavailable', { retryAfterSeconds: 60, message: 'The API reference is not built (npm run docs:build); /openapi.yaml is.' })
      }
      c.header('Content-Security-Policy', DOCS_CSP)
      c.header('Content-Type', 'text/html; charset=utf-8')
      return c.body(page)
    })
}
