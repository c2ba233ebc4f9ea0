import type { MiddlewareHandler } from 'hono'
import { AppError } from '../../errors.js'
import { MAX_BODY_BYTES } from '../body.js'

/** Refuses a declared Content-Length over the limit before anything is read. */
export const limitBody: MiddlewareHandler = async (c, next) => {
  const length = c.req.header('content-length')
  if (length !== undefined && Number(length) > MAX_BODY_BYTES) throw new AppError('payload_too_large')
  await next()
}
