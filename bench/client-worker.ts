// One verifier process of `npm run bench:client` (forked by bench/client.ts): a @sessiond/client
// verifier in one mode, hammering verify() the way a protected route would, and reporting per session
// when it last accepted a token and when it first refused it.
import { createVerifier, type Verifier } from '@sessiond/client'

interface Start {
  type: 'start'
  url: string
  clientId: string
  clientSecret: string
  mode: 'stream' | 'introspect' | 'offline'
  maxStalenessMs: number
  tokens: { sid: string; token: string }[]
}

type Message = Start | { type: 'watch'; sid: string } | { type: 'report' } | { type: 'cost'; seconds: number } | { type: 'stop' }

const LANES = 4
const silent = { info() {}, warn() {}, error() {} }
let verifier: Verifier
let tokens: Map<string, string>
/** Sessions about to be revoked, hammered until refused. */
const watched = new Set<string>()
const lastAcceptedAt = new Map<string, number>()
const firstRefusedAt = new Map<string, number>()
let verifies = 0
let unavailable = 0
let running = false

async function once(sid: string): Promise<void> {
  const sentAt = Date.now()
  try {
    const verdict = await verifier.verify(tokens.get(sid)!)
    verifies += 1
    if (verdict.active) lastAcceptedAt.set(sid, sentAt)
    else if (!firstRefusedAt.has(sid)) {
      firstRefusedAt.set(sid, Date.now())
      // Offline mode never refuses a revoked token before it expires: it stays watched, and counted.
      watched.delete(sid)
    }
  } catch {
    unavailable += 1
  }
}

async function lane(index: number): Promise<void> {
  const all = [...tokens.keys()]
  let cursor = index
  while (running) {
    const focus = [...watched]
    // The tokens about to be revoked first; otherwise load spread over all of them.
    const sid = focus.length > 0 ? focus[cursor % focus.length]! : all[cursor % all.length]!
    cursor += 1
    await once(sid)
  }
}

/** Mean cost of one verify() of an active token, `LANES` in flight, for `seconds`. */
async function cost(seconds: number): Promise<{ perRequestUs: number; requests: number }> {
  const all = [...tokens.keys()].filter((sid) => !firstRefusedAt.has(sid) && !watched.has(sid))
  const until = performance.now() + seconds * 1000
  let requests = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: LANES }, async (_, i) => {
      for (let n = i; performance.now() < until; n += LANES) {
        await verifier.verify(tokens.get(all[n % all.length]!)!)
        requests += 1
      }
    }),
  )
  return { perRequestUs: ((performance.now() - started) * 1000) / requests, requests }
}

process.on('message', (message: Message) => {
  void (async () => {
    switch (message.type) {
      case 'start': {
        tokens = new Map(message.tokens.map((entry) => [entry.sid, entry.token]))
        verifier = createVerifier({ ...message, audience: 'sessiond', logger: silent })
        await verifier.ready(10_000)
        process.send!({ type: 'ready', mode: verifier.mode })
        return
      }
      case 'watch':
        watched.add(message.sid)
        if (!running) {
          running = true
          for (let i = 0; i < LANES; i += 1) void lane(i)
        }
        return
      case 'report':
        process.send!({ type: 'report', lastAcceptedAt: [...lastAcceptedAt], firstRefusedAt: [...firstRefusedAt], verifies, unavailable })
        return
      case 'cost':
        running = false
        process.send!({ type: 'cost', ...(await cost(message.seconds)) })
        return
      case 'stop':
        running = false
        verifier.close()
        process.exit(0)
    }
  })()
})
