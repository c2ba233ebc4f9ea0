import { createServer, type IncomingHttpHeaders } from 'node:http'
import { onClose } from './resources.js'

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders
  body: string
}

/** A real HTTP receiver run by the test. It answers `failFirst` requests with 500, then 204. */
export async function startWebhookReceiver(options: { failFirst?: number } = {}) {
  const received: ReceivedWebhook[] = []
  let failuresLeft = options.failFirst ?? 0
  let attempts = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += String(chunk)))
    req.on('end', () => {
      attempts += 1
      if (failuresLeft > 0) {
        failuresLeft -= 1
        res.writeHead(500).end()
        return
      }
      received.push({ headers: req.headers, body })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  onClose(server, (s) => new Promise((done) => s.close(() => done(undefined))))
  return { url: `http://127.0.0.1:${port}/hooks`, received, attempts: () => attempts }
}
