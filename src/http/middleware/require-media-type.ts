import type { Context, MiddlewareHandler } from 'hono'
import { AppError } from '../../errors.js'
import { mediaType } from '../validate.js'

function hasBody(c: Context): boolean {
  const length = c.req.header('content-length')
  if (length !== undefined) return Number(length) > 0
  return c.req.header('transfer-encoding') !== undefined || c.req.header('content-type') !== undefined
}

/**
 * Only JSON bodies (and form bodies where a route allows them). Browsers cannot send JSON cross-site
 * without a CORS preflight, so this also keeps any web page from posting to us.
 */
export function requireMediaType(allowFormOn: (path: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && hasBody(c)) {
      const type = mediaType(c)
      const allowed = type === 'application/json' || (type === 'application/x-www-form-urlencoded' && allowFormOn(c.req.path))
      if (!allowed) throw new AppError('unsupported_media_type')
    }
    await next()
  }
}
