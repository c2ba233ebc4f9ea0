import type { IncomingMessage } from 'node:http'
import type { Context } from 'hono'
import type { ClientReader } from './client.js'

/**
 * `client.ipKey`, remembered per connection: a keep-alive connection keeps its peer address, so
 * while its X-Forwarded-For (the only other input) is the same, so is the key. Saves proxy-addr's
 * parse and the IPv6 normalisation on every call of a hot path; a new header value is read afresh.
 */
export function connectionIpKey(client: ClientReader): (c: Context) => string {
  const bySocket = new WeakMap<object, { forwarded: string | string[] | undefined; key: string }>()
  return (c) => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
    const socket = incoming?.socket
    if (!socket) return client.ipKey(c)
    const forwarded = incoming.headers['x-forwarded-for']
    const known = bySocket.get(socket)
    if (known && known.forwarded === forwarded) return known.key
    const key = client.ipKey(c)
    bySocket.set(socket, { forwarded, key })
    return key
  }
}
