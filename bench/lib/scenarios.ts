// autocannon request templates for each sessiond scenario. State shared by all 50 connections lives in
// these closures: autocannon resets a connection's `context` before each request of a one-entry
// `requests` list, so the context only carries data from a request's setupRequest to its onResponse.
import type autocannon from 'autocannon'
import type { BenchSession, BenchUser } from './fixtures.js'

export interface IntrospectItem {
  token: string
  /** What /introspect must answer for this token. */
  active: boolean
}

/** Counts answers that contradict what a scenario knows to be true (e.g. a revoked session reported active). */
export interface AnswerCheck {
  mismatches: number
}

/**
 * POST /introspect, form-encoded with HTTP Basic client auth, taking items round-robin (so a pool of N
 * items with amount N uses each exactly once). Every 200 answer is checked against `item.active`.
 */
export function introspectRequests(items: readonly IntrospectItem[], basicAuth: string, check: AnswerCheck): autocannon.Request[] {
  let next = 0
  return [
    {
      method: 'POST',
      path: '/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth },
      setupRequest: (request, context) => {
        const item = items[next++ % items.length]!
        context.expectActive = item.active
        // JWTs are base64url plus dots: nothing to percent-encode.
        request.body = `token=${item.token}`
        return request
      },
      onResponse: (status, body, context) => {
        if (status !== 200) return // counted by autocannon as non-2xx
        if (parseJson<{ active?: unknown }>(body)?.active !== context.expectActive) check.mismatches++
      },
    },
  ]
}

/** A body that is not JSON counts as a wrong answer; a throw here would kill autocannon mid-run. */
function parseJson<T>(body: string): T | null {
  try {
    return JSON.parse(body) as T
  } catch {
    return null
  }
}

export function basicAuthHeader(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`
}

/** One session's rotation chain: the newest refresh token the bench holds for it. */
interface Chain {
  token: string
  busy: boolean
  checkedOutAt: number
  dead: boolean
}

/**
 * Refresh chains shared by the connections. A connection takes an idle chain, presents its newest token,
 * and puts the chain back with the successor from the answer. With as many chains as connections and one
 * request in flight per connection, a chain is never presented twice at once and every call rotates.
 */
export class RefreshChains {
  private readonly chains: Chain[]
  private readonly idle: Chain[]
  private rotated = 0

  constructor(sessions: readonly BenchSession[]) {
    this.chains = sessions.map((session) => ({ token: session.refreshToken, busy: false, checkedOutAt: 0, dead: false }))
    this.idle = [...this.chains]
  }

  /** Successful rotations so far (warm-up included). */
  get rotations(): number {
    return this.rotated
  }

  checkOut(): Chain {
    // Normally an idle chain exists. If a request vanished (timeout) its chain was never returned: reclaim
    // the oldest checked-out one; re-presenting its last token is then answered from the reuse grace.
    const chain =
      this.idle.shift() ?? this.chains.filter((c) => c.busy).sort((a, b) => a.checkedOutAt - b.checkedOutAt)[0]!
    chain.busy = true
    chain.checkedOutAt = Date.now()
    return chain
  }

  checkIn(chain: Chain, successor: string | null): void {
    if (successor) {
      chain.token = successor
      this.rotated++
    } else {
      chain.dead = true // a 401 ends the chain; its failures show up as non-2xx
    }
    if (chain.busy) {
      chain.busy = false
      this.idle.push(chain)
    }
  }

  /**
   * After a run, requests autocannon abandoned in flight never got an answer: make their chains idle again.
   * The server may have rotated them meanwhile; presenting the predecessor again within REFRESH_REUSE_GRACE
   * (10 s) returns the same successor, so the next run continues the chain without a reuse alarm.
   */
  releaseAll(): void {
    for (const chain of this.chains) {
      if (chain.busy) {
        chain.busy = false
        this.idle.push(chain)
      }
    }
  }

  get deadChains(): number {
    return this.chains.filter((chain) => chain.dead).length
  }

  /** `headers` go on every request (the scale run's own X-Forwarded-For, so earlier budgets do not carry over). */
  requests(headers: Record<string, string> = {}): autocannon.Request[] {
    return [
      {
        method: 'POST',
        path: '/refresh',
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (request, context) => {
          const chain = this.checkOut()
          context.chain = chain
          request.body = JSON.stringify({ refreshToken: chain.token })
          return request
        },
        onResponse: (status, body, context) => {
          const successor = status === 200 ? (parseJson<{ refreshToken?: string }>(body)?.refreshToken ?? null) : null
          this.checkIn(context.chain as Chain, successor)
        },
      },
    ]
  }
}

/** POST /login with valid credentials, round-robin over the users. */
export function loginRequests(users: readonly BenchUser[]): autocannon.Request[] {
  let next = 0
  return [
    {
      method: 'POST',
      path: '/login',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => {
        const user = users[next++ % users.length]!
        request.body = JSON.stringify({ email: user.email, password: user.password })
        return request
      },
    },
  ]
}
