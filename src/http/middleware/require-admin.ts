import { createHash } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { AppError } from '../../errors.js'
import type { AppEnv } from '../app-env.js'
import { bearerToken } from '../bearer-token.js'
import { secretsEqual } from '../secrets.js'

/** Names a key in the logs without revealing it: the first 8 hex digits of its SHA-256. */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8)
}

/** `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time against every configured key. */
export function requireAdmin(keys: string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const presented = bearerToken(c)
    if (!presented) throw new AppError('unauthorized')
    let matched: string | null = null
    for (const key of keys) if (secretsEqual(presented, key)) matched = key
    if (!matched) throw new AppError('invalid_token')
    c.set('adminKey', keyFingerprint(matched))
    await next()
    c.var.log.info({ adminKey: c.var.adminKey, method: c.req.method, path: c.req.path, status: c.res.status }, 'admin action')
  }
}
