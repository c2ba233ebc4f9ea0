import { Hono } from 'hono'
import type { ClientReader } from '../http/client.js'
import type { AppEnv } from '../http/app-env.js'
import { limitFailedAuthPerIp } from '../http/middleware/rate-limit.js'
import { requireIntrospectionClient, type IntrospectionClientCheck } from '../http/middleware/require-introspection-client.js'
import { readBodyText } from '../http/body.js'
import { mediaType, readJson, validate } from '../http/validate.js'
import type { Services } from '../services/index.js'
import { introspectBody } from './introspect-input.js'

/** RFC 7662 §2.1 clients send form bodies: the one path where the app-wide JSON-only rule gives way. */
export const FORM_BODY_PATHS: ReadonlySet<string> = new Set(['/introspect'])

export function introspectRoutes({ introspection, limits }: Pick<Services, 'introspection' | 'limits'>, clients: IntrospectionClientCheck, client: ClientReader) {
  // Failed client authentications per IP. Only this instance's memory is asked before each request,
  // so the hot path pays no extra Redis round trip; failures are still counted in the shared store.
  const limitBadClients = limitFailedAuthPerIp(limits.clientPerIp, client, { localOnly: true })
  // The ordinary call is answered by introspect-fast-path.ts before the general chain; this route
  // answers everything else: errors, 401s with their rate-limit counting, 400 details, CORS.
  return new Hono<AppEnv>().post('/introspect', limitBadClients, requireIntrospectionClient(clients), async (c) => {
    const input =
      mediaType(c) === 'application/x-www-form-urlencoded'
        ? Object.fromEntries(new URLSearchParams(await readBodyText(c)))
        : await readJson(c)
    const { token } = validate(introspectBody, input)
    return c.json(await introspection.introspect(token))
  })
}
