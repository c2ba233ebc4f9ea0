import type { IncomingMessage } from 'node:http'
import type { MiddlewareHandler } from 'hono'
import { AppError } from '../../errors.js'
import { isCanonicalPath, targetPath } from '../canonical-path.js'

/**
 * 404 not_found for a non-canonical request path, before any route sees it. Reads the raw request
 * target from Node's IncomingMessage: by the time Hono has c.req.url, WHATWG URL parsing has already
 * resolved "/x/%2e%2e/metrics" to "/metrics". Without a socket (app.request() in tests) it checks
 * the URL it was given.
 */
export const requireCanonicalPath: MiddlewareHandler = async (c, next) => {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  const target = incoming?.url ?? c.req.url
  if (!isCanonicalPath(targetPath(target))) throw new AppError('not_found')
  await next()
}
