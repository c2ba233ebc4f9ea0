// Users and sessions the scenarios need, made through sessiond's public HTTP API (as a client would).
import { randomBytes } from 'node:crypto'

export interface BenchUser {
  id: string
  email: string
  password: string
}

/** What the bench keeps of a login's TokenPair. */
export interface BenchSession {
  userId: string
  sessionId: string
  accessToken: string
  refreshToken: string
  /** Seconds; the session's auth_time (login time = createdAt). */
  authTime: number
}

interface JsonResponse {
  status: number
  body: Record<string, unknown>
}

async function call(baseUrl: string, path: string, init: { body?: unknown; headers?: Record<string, string> }): Promise<JsonResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

/** Set-up calls wait out a 503 (the hash queue full, a ledger deadline on a loaded machine) a few times. */
const SETUP_ATTEMPTS = 5

async function callWaitingOut503(baseUrl: string, path: string, init: { body?: unknown; headers?: Record<string, string> }): Promise<JsonResponse> {
  let response = await call(baseUrl, path, init)
  for (let attempt = 1; response.status === 503 && attempt < SETUP_ATTEMPTS; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 1000 * attempt))
    response = await call(baseUrl, path, init)
  }
  return response
}

function expectStatus(what: string, response: JsonResponse, status: number): void {
  if (response.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`)
  }
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index]!, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

export async function registerUsers(baseUrl: string, count: number, concurrency: number, runId: string): Promise<BenchUser[]> {
  return mapLimit(Array.from({ length: count }, (_, i) => i), concurrency, async (i) => {
    const email = `bench-${runId}-${i}@bench.example`
    // Random, long and never a common password, so the policy check always passes.
    const password = `bench-${randomBytes(12).toString('base64url')}`
    // One address per user (198.18.0.0/15 is for benchmarks, RFC 2544): sign-ups are budgeted per IP.
    const from = `198.18.${(i >> 8) & 0xff}.${i & 0xff}`
    const response = await callWaitingOut503(baseUrl, '/register', { body: { email, password }, headers: { 'x-forwarded-for': from } })
    expectStatus('POST /register', response, 201)
    const user = response.body.user as { id: string }
    return { id: user.id, email, password }
  })
}

export async function login(baseUrl: string, user: BenchUser): Promise<BenchSession> {
  const response = await callWaitingOut503(baseUrl, '/login', { body: { email: user.email, password: user.password } })
  expectStatus('POST /login', response, 200)
  const session = response.body.session as { id: string; createdAt: string }
  return {
    userId: user.id,
    sessionId: session.id,
    accessToken: response.body.accessToken as string,
    refreshToken: response.body.refreshToken as string,
    authTime: Math.floor(Date.parse(session.createdAt) / 1000),
  }
}

/** `count` logins spread round-robin over `users`; argon2-bound, so keep `concurrency` near the service's cap. */
export async function loginMany(baseUrl: string, users: BenchUser[], count: number, concurrency: number): Promise<BenchSession[]> {
  return mapLimit(Array.from({ length: count }, (_, i) => users[i % users.length]!), concurrency, (user) => login(baseUrl, user))
}

export async function logout(baseUrl: string, session: BenchSession): Promise<void> {
  const response = await callWaitingOut503(baseUrl, '/logout', { headers: { authorization: `Bearer ${session.accessToken}` } })
  expectStatus('POST /logout', response, 204)
}

export async function fetchJwksKids(baseUrl: string): Promise<string[]> {
  const response = await fetch(`${baseUrl}/.well-known/jwks.json`)
  if (response.status !== 200) throw new Error(`GET /.well-known/jwks.json: ${response.status}`)
  const jwks = (await response.json()) as { keys: { kid: string }[] }
  return jwks.keys.map((key) => key.kid)
}
