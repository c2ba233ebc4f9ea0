import { Hono } from 'hono'
import { z } from 'zod'
import type { IntrospectionClient } from '../config.js'
import { requireIntrospectionClient, type AppEnv } from '../http/middleware.js'
import { mediaType, readJson, validate } from '../http/validate.js'
import type { Services } from '../services/index.js'

// RFC 7662 §2.1: `token` is required, `token_type_hint` optional (and only a hint).
const introspectBody = z.object({
  token: z.string().min(1).max(8192),
  token_type_hint: z.string().max(64).optional(),
})

export function introspectRoutes(services: Services, clients: IntrospectionClient[]) {
  return new Hono<AppEnv>().post('/introspect', requireIntrospectionClient(clients), async (c) => {
    const input =
      mediaType(c) === 'application/x-www-form-urlencoded'
        ? Object.fromEntries(new URLSearchParams(await c.req.text()))
        : await readJson(c)
    const { token } = validate(introspectBody, input)
    return c.json(await services.introspection.introspect(token))
  })
}
