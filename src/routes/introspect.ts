import { Hono } from 'hono'
import { z } from 'zod'
import type { IntrospectionClient } from '../config.js'
import type { ClientReader } from '../http/client.js'
import type { AppEnv } from '../http/app-env.js'
import { limitFailedAuthPerIp } from '../http/middleware/rate-limit.js'
import { requireIntrospectionClient } from '../http/middleware/require-introspection-client.js'
import { readBodyText } from '../http/body.js'
import { mediaType, readJson, validate } from '../http/validate.js'
import type { Services } from '../services/index.js'

// RFC 7662 §2.1: `token` is required, `token_type_hint` optional (and only a hint).
const introspectBody = z.object({
  token: z.string().min(1).max(8192),
  token_type_hint: z.string().max(64).optional(),
})

/** RFC 7662 §2.1 clients send form bodies: the one path where the app-wide JSON-only rule gives way. */
export const FORM_BODY_PATHS: ReadonlySet<string> = new Set(['/introspect'])

export function introspectRoutes({ introspection, limits }: Pick<Services, 'introspection' | 'limits'>, clients: IntrospectionClient[], client: ClientReader) {
  // Failed client authentications per IP. Only this instance's memory is asked before each request,
  // so the hot path pays no extra Redis round trip; failures are still counted in the shared store.
  const limitBadClients = limitFailedAuthPerIp(limits.clientPerIp, client, { localOnly: true })
  return new Hono<AppEnv>().post('/introspect', limitBadClients, requireIntrospectionClient(clients), async (c) => {
    const input =
      mediaType(c) === 'application/x-www-form-urlencoded'
        ? Object.fromEntries(new URLSearchParams(await readBodyText(c)))
        : await readJson(c)
    const { token } = validate(introspectBody, input)
    return c.json(await introspection.introspect(token))
  })
}
