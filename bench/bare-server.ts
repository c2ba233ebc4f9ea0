// The baseline: the same stack as sessiond (Hono on @hono/node-server, started the same way) with
// nothing behind the route, so "sessiond ÷ bare" is what sessiond's own work costs on this machine.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono().get('/', (c) => c.json({ ok: true }))
const port = Number(process.env.PORT)
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('bare-server: PORT must be set\n')
  process.exit(1)
}

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`bare listening on :${info.port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
