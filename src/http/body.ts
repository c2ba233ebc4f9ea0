import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import { AppError } from '../errors.js'

export const MAX_BODY_BYTES = 64 * 1024
const BODY_TEXT = Symbol('bodyText')

type WithBody = Context & { [BODY_TEXT]?: Promise<string> }

/**
 * The request body as text, at most 64 KiB (413 beyond), read once per request and cached.
 *
 * On Node it reads the socket stream directly: asking Hono for the body makes @hono/node-server build
 * a full WHATWG Request (undici Request, ReadableStream, AbortSignal), which measured as about a
 * quarter of the CPU of a hot /introspect call. Elsewhere (app.request() in tests) it uses Hono's.
 */
export function readBodyText(c: Context): Promise<string> {
  const cached = c as WithBody
  cached[BODY_TEXT] ??= read(c)
  return cached[BODY_TEXT]
}

async function read(c: Context): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  if (!incoming || incoming.readableEnded || typeof incoming.on !== 'function') {
    const buffer = await c.req.arrayBuffer()
    if (buffer.byteLength > MAX_BODY_BYTES) throw new AppError('payload_too_large')
    return new TextDecoder().decode(buffer)
  }
  return readStream(incoming)
}

/** Listeners rather than `for await`: an async iterator costs more than the rest of a small read. */
function readStream(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      // Chunked bodies have no Content-Length to check up front: stop reading as soon as it is too big.
      if (size > MAX_BODY_BYTES) {
        done()
        reject(new AppError('payload_too_large'))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      done()
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'))
    }
    const onError = (error: Error) => {
      done()
      reject(error)
    }
    const onClose = () => {
      done()
      reject(new Error('request closed before its body was read'))
    }
    const done = () => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
      incoming.off('close', onClose)
    }
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('error', onError)
    incoming.on('close', onClose)
  })
}
