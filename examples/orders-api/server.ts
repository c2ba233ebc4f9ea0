// An example backend service protected by sessiond: `npm run example:orders` (see the README,
// "Protect a backend service"). The integration: two imports, createVerifier and one app.use.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createVerifier } from '@sessiond/client'
import { requireSession, type Auth } from '@sessiond/client/hono'

const verifier = createVerifier({
  url: process.env.SESSIOND_URL ?? 'http://localhost:3000',
  clientId: process.env.SESSIOND_CLIENT_ID ?? 'orders-api',
  clientSecret: process.env.SESSIOND_CLIENT_SECRET ?? '',
  audience: process.env.SESSIOND_AUDIENCE ?? 'sessiond',
})
const app = new Hono<{ Variables: { auth: Auth } }>()
app.use('/orders/*', requireSession(verifier))

// The service itself: every route under /orders knows its caller.
app.get('/orders/mine', (c) => c.json({ user: c.get('auth').sub, orders: [] }))
app.get('/healthz', (c) => c.text('ok'))

const port = Number(process.env.PORT ?? 4000)
serve({ fetch: app.fetch, port }, () => console.log(`orders-api listening on :${port}`))
