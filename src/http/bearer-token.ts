import type { Context } from 'hono'
import { AppError } from '../errors.js'

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * The bearer token of the request: null when none was sent (another scheme counts as none);
 * 400 when the Authorization header claims Bearer but is malformed (RFC 6750 §3.1).
 */
export function bearerToken(c: Context): string | null {
  const header = c.req.header('authorization')
  if (header === undefined || !/^Bearer\b/i.test(header.trim())) return null
  const match = BEARER.exec(header.trim())
  if (!match) {
    throw new AppError('invalid_request', { message: 'The Authorization header must be "Bearer <token>".' })
  }
  return match[1]!
}
