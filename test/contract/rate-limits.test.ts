import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { basicAuth, buildTestApp, call, fetchJson, listen, registerAndLogin, testRedisPrefix, uniqueEmail, type CallResult } from '../support/app.js'
import { RATE_LIMIT_POLICY, type LimitName } from '../../src/services/rate-limits.js'
import { startOwnRedis } from '../support/redis-server.js'
import { openRedis, waitForRedis } from '../../src/stores/redis.js'
import { createLogger } from '../../src/logger.js'

// Real sockets behind a trusted loopback proxy, so each test can speak from its own client IP.
async function server(env: Record<string, string> = {}) {
  const built = await buildTestApp({ env: { TRUST_PROXY: 'loopback', ...env } })
  const base = await listen(built.app)
  const from = (ip: string) => ({
    post: (path: string, json: unknown, headers: Record<string, string> = {}) =>
      fetchJson(base, 'POST', path, { json, headers: { 'x-forwarded-for': ip, ...headers } }),
    get: (path: string, headers: Record<string, string> = {}) => fetchJson(base, 'GET', path, { headers: { 'x-forwarded-for': ip, ...headers } }),
  })
  return { ...built, base, from }
}

type Server = Awaited<ReturnType<typeof server>>

/** Two instances of one deployment: the same Redis and the same rate-limit keys. */
async function twoInstances(env: Record<string, string> = {}) {
  const shared = { REDIS_KEY_PREFIX: `${testRedisPrefix()}pair-${randomUUID()}:`, ...env }
  return [await server(shared), await server(shared)] as const
}

/** How many of each status, e.g. { 401: 10, 429: 120 }. */
function tally(results: { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const { status } of results) counts[status] = (counts[status] ?? 0) + 1
  return counts
}

const LOGIN_ACCOUNT_IP = RATE_LIMIT_POLICY.loginPerAccountAndIp.points

type Client = ReturnType<Server['from']>

/** One row's world once set up: how the attacker fails, the right credentials, and other keys. */
interface Scenario {
  /** The i-th failure, sent by `client`. */
  fail: (client: Client, i: number) => Promise<CallResult>
  /** The right credentials (or the attacker's next try): refused under the spent key, even when right. */
  right: (client: Client) => Promise<CallResult>
  /** Requests under other keys, and what they answer: 429 only where the key dimension covers them. */
  elsewhere: { who: string; send: () => Promise<CallResult>; status: number }[]
}

interface Row {
  route: string
  limit: LimitName
  /** What the budget is counted per: the key that is spent. */
  key: string
  /** How the attacker fails, and the status each failure within the budget gets. */
  how: string
  failStatus: number
  env?: Record<string, string>
  scenario: (s: Server) => Promise<Scenario>
}

const ATTACKER = '203.0.113.7'
const ELSEWHERE = '198.51.100.20'
const ADMIN_KEY = 'admin-key-rate-limit-0123456789-0123456789'
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Every "fail N times, then 429" budget: N comes from RATE_LIMIT_POLICY, never from this file. */
const BUDGETS: Row[] = [
  {
    route: 'POST /login',
    limit: 'loginPerAccountAndIp',
    key: 'account and IP',
    how: 'wrong passwords for a known account',
    failStatus: 401,
    async scenario({ app, from }) {
      const { email, password } = await registerAndLogin(app)
      const neighbour = await registerAndLogin(app)
      return {
        fail: (client, i) => client.post('/login', { email, password: `guess ${i} guess guess` }),
        right: (client) => client.post('/login', { email, password }),
        elsewhere: [
          // The owner, elsewhere, still gets in: the lock is per account and IP.
          { who: 'the owner from another IP', send: () => from(ELSEWHERE).post('/login', { email, password }), status: 200 },
          { who: 'another account from the same IP', send: () => from(ATTACKER).post('/login', { email: neighbour.email, password: neighbour.password }), status: 200 },
        ],
      }
    },
  },
  {
    route: 'POST /login',
    limit: 'loginPerAccountAndIp',
    key: 'account and IP',
    how: 'an unknown email (limited like a known one: no oracle)',
    failStatus: 401,
    async scenario({ from }) {
      const email = uniqueEmail()
      return {
        fail: (client) => client.post('/login', { email, password: 'wrong wrong wrong' }),
        right: (client) => client.post('/login', { email, password: 'wrong wrong wrong' }),
        elsewhere: [{ who: 'the same email from another IP', send: () => from(ELSEWHERE).post('/login', { email, password: 'wrong wrong wrong' }), status: 401 }],
      }
    },
  },
  {
    route: 'POST /introspect',
    limit: 'clientPerIp',
    key: 'IP',
    how: 'bad client credentials',
    failStatus: 401,
    async scenario({ from }) {
      const form = (client: Client, authorization: string) => client.post('/introspect', { token: 'x' }, { authorization })
      return {
        fail: (client, i) => form(client, basicAuth('orders-api', `wrong-secret-${i}-wrong-secret-wrong`)),
        right: (client) => form(client, basicAuth()),
        elsewhere: [{ who: 'good credentials from another IP', send: () => form(from(ELSEWHERE), basicAuth()), status: 200 }],
      }
    },
  },
  {
    route: 'GET /admin/users',
    limit: 'clientPerIp',
    key: 'IP',
    how: 'bad admin keys',
    failStatus: 401,
    env: { ADMIN_API_KEY: ADMIN_KEY },
    async scenario({ from }) {
      return {
        fail: (client, i) => client.get('/admin/users', bearer(`wrong-key-${i}`)),
        right: (client) => client.get('/admin/users', bearer(ADMIN_KEY)),
        elsewhere: [{ who: 'the right key from another IP', send: () => from(ELSEWHERE).get('/admin/users', bearer(ADMIN_KEY)), status: 200 }],
      }
    },
  },
  {
    route: 'POST /refresh',
    limit: 'refreshPerIp',
    key: 'IP',
    how: 'unknown refresh tokens',
    failStatus: 401,
    async scenario({ app, from }) {
      const { tokens } = await registerAndLogin(app)
      return {
        fail: (client, i) => client.post('/refresh', { refreshToken: `guess-${i}` }),
        right: (client) => client.post('/refresh', { refreshToken: tokens.refreshToken }),
        // The 429 above did not spend the token: its owner, elsewhere, rotates it.
        elsewhere: [{ who: 'a valid token from another IP', send: () => from(ELSEWHERE).post('/refresh', { refreshToken: tokens.refreshToken }), status: 200 }],
      }
    },
  },
  {
    route: 'POST /me/reauthenticate',
    limit: 'passwordPerAccount',
    key: 'account',
    how: 'wrong passwords with a valid access token',
    failStatus: 403,
    async scenario({ app, from }) {
      const { tokens, password } = await registerAndLogin(app)
      const neighbour = await registerAndLogin(app)
      return {
        fail: (client, i) => client.post('/me/reauthenticate', { password: `wrong ${i}` }, bearer(tokens.accessToken)),
        right: (client) => client.post('/me/reauthenticate', { password }, bearer(tokens.accessToken)),
        elsewhere: [
          // Per account: a new IP buys no new guesses, and the account's neighbours are not affected.
          { who: 'the same account from another IP', send: () => from(ELSEWHERE).post('/me/reauthenticate', { password }, bearer(tokens.accessToken)), status: 429 },
          {
            who: 'another account from the same IP',
            send: () => from(ATTACKER).post('/me/reauthenticate', { password: neighbour.password }, bearer(neighbour.tokens.accessToken)),
            status: 200,
          },
        ],
      }
    },
  },
  {
    route: 'POST /register',
    limit: 'registerPerIp',
    key: 'IP',
    how: 'sign-ups refused for a weak password (refused ones count)',
    failStatus: 400,
    async scenario({ from }) {
      const signUp = (client: Client, password: string) => client.post('/register', { email: uniqueEmail(), password })
      return {
        fail: (client) => signUp(client, 'short'),
        right: (client) => signUp(client, 'a perfectly fine passphrase'),
        elsewhere: [{ who: 'a sign-up from another IP', send: () => signUp(from(ELSEWHERE), 'a perfectly fine passphrase'), status: 201 }],
      }
    },
  },
]

describe('failure budgets: N failures under one key, then 429 + Retry-After for that key only', () => {
  const titled = BUDGETS.map((row) => [`${row.route}: ${RATE_LIMIT_POLICY[row.limit].points} × ${row.failStatus} for ${row.how}, per ${row.key} (${row.limit})`, row] as const)
  it.each(titled)('%s', async (_title, { limit, failStatus, env, scenario }) => {
    const policy = RATE_LIMIT_POLICY[limit]
    const s = await server(env)
    const { fail, right, elsewhere } = await scenario(s)
    const attacker = s.from(ATTACKER)
    for (let i = 0; i < policy.points; i += 1) expect((await fail(attacker, i)).status).toBe(failStatus)

    const blocked = await right(attacker)
    expect(blocked.status).toBe(429)
    expect(blocked.body.error).toBe('rate_limited')
    const retryAfter = blocked.headers.get('retry-after')
    expect(retryAfter).toMatch(/^\d+$/)
    expect(Number(retryAfter)).toBeGreaterThan(0)
    expect(Number(retryAfter)).toBeLessThanOrEqual(policy.blockS)

    // The lock expires on its own: Redis holds it under one key with a TTL, never for good.
    const keys = await s.redis!.keys(`${s.config.redisKeyPrefix}rl:${limit}:*`)
    expect(keys).toHaveLength(1)
    const ttl = await s.redis!.pttl(keys[0]!)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(policy.blockS * 1000)

    for (const { who, send, status } of elsewhere) expect({ who, status: (await send()).status }).toEqual({ who, status })
  })
})

describe('login failures', () => {
  it('a success resets the consecutive count', async () => {
    const { app, from } = await server()
    const { email, password } = await registerAndLogin(app)
    const client = from('203.0.113.8')
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < LOGIN_ACCOUNT_IP - 1; i += 1) await client.post('/login', { email, password: 'wrong wrong wrong' })
      expect((await client.post('/login', { email, password })).status).toBe(200)
    }
  })

  it('keeps working while the limiter store (Redis) is down: memory takes over, logins are not 503', async () => {
    const own = await startOwnRedis()
    const redis = openRedis(own.url, 300, createLogger('silent'))
    await waitForRedis(redis, 2000)
    const { app } = await buildTestApp({ redis })
    const { email, password } = await registerAndLogin(app)
    await own.stop()
    expect((await call(app, 'POST', '/login', { json: { email, password: 'nope nope nope' } })).status).toBe(401)
    expect((await call(app, 'POST', '/login', { json: { email, password } })).status).toBe(200)
    redis.disconnect()
  })
})

describe('IPv6 clients', () => {
  it('share the budgets of their /64: new addresses in one /64 do not buy new guesses', async () => {
    const { app, from } = await server()
    const { email, password } = await registerAndLogin(app)
    for (let i = 1; i <= LOGIN_ACCOUNT_IP; i += 1) {
      expect((await from(`2001:db8:aa:bb::${i.toString(16)}`).post('/login', { email, password: `guess ${i} guess guess` })).status).toBe(401)
    }
    // Another spelling of another address in the same /64 is the same key.
    expect((await from('2001:0db8:00aa:00bb:0:0:0:ffff').post('/login', { email, password })).status).toBe(429)
    expect((await from('2001:db8:aa:bb:1234::1').post('/login', { email, password })).status).toBe(429)
    // The next /64 is someone else.
    expect((await from('2001:db8:aa:bc::1').post('/login', { email, password })).status).toBe(200)
  })

  it('the session still records the full address', async () => {
    const { app, from } = await server()
    const { email, password } = await registerAndLogin(app)
    const res = await from('2001:db8:aa:bb::42').post('/login', { email, password })
    expect(res.status).toBe(200)
    expect(res.body.session.ip).toBe('2001:db8:aa:bb::42')
  })
})

describe('parallel guesses cannot outrun a budget (points are reserved before the work)', () => {
  it('130 parallel wrong logins for one account from one IP, split over two instances: at most the budget get 401, the rest 429', async () => {
    const [a, b] = await twoInstances()
    const { email, password } = await registerAndLogin(a.app)
    const ip = '203.0.113.30'
    const results = await Promise.all(
      Array.from({ length: 130 }, (_, i) => (i % 2 ? a : b).from(ip).post('/login', { email, password: `parallel guess ${i} guess` })),
    )
    const counts = tally(results)
    expect(counts[401] ?? 0).toBeGreaterThan(0)
    expect(counts[401] ?? 0).toBeLessThanOrEqual(LOGIN_ACCOUNT_IP)
    expect(counts[429]).toBe(130 - (counts[401] ?? 0))
    for (const res of results.filter((res) => res.status === 429)) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    // The budget is spent: the right password from that IP waits too, on either instance.
    expect((await a.from(ip).post('/login', { email, password })).status).toBe(429)
    expect((await b.from(ip).post('/login', { email, password })).status).toBe(429)
  })

  it('a login turned away by a full hash queue (503) spends its point too', async () => {
    const { app, from } = await server({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '0' })
    const { email, password } = await registerAndLogin(app)
    const client = from('203.0.113.31')
    const results = await Promise.all(
      Array.from({ length: LOGIN_ACCOUNT_IP }, (_, i) => client.post('/login', { email, password: `queued guess ${i} guess` })),
    )
    expect(tally(results)[503]).toBeGreaterThan(0)
    expect(results.every((res) => res.status === 401 || res.status === 503)).toBe(true)
    expect((await client.post('/login', { email, password })).status).toBe(429)
  })

  it('parallel right passwords give their points back: no lock afterwards', async () => {
    const { app, from } = await server()
    const { email, password } = await registerAndLogin(app)
    const client = from('203.0.113.32')
    for (let round = 0; round < 3; round += 1) {
      const results = await Promise.all(Array.from({ length: LOGIN_ACCOUNT_IP }, () => client.post('/login', { email, password })))
      expect(tally(results)).toEqual({ 200: LOGIN_ACCOUNT_IP })
    }
  })

  it('/me/password: parallel guesses of the current password with a stolen access token, over two instances', async () => {
    const [a, b] = await twoInstances()
    const { tokens, password } = await registerAndLogin(a.app)
    const auth = { authorization: `Bearer ${tokens.accessToken}` }
    const budget = RATE_LIMIT_POLICY.passwordPerAccount.points
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).from(`203.0.113.${40 + i}`).post('/me/password', { currentPassword: `guess ${i} guess`, newPassword: 'a brand new passphrase' }, auth),
      ),
    )
    const counts = tally(results)
    expect(counts[403] ?? 0).toBeGreaterThan(0)
    expect(counts[403] ?? 0).toBeLessThanOrEqual(budget)
    expect(counts[429]).toBe(40 - (counts[403] ?? 0))
    expect((await a.from('203.0.113.99').post('/me/reauthenticate', { password }, auth)).status).toBe(429)
  })

  it('/introspect and /admin: parallel bad credentials over two instances get at most the budget of 401s', async () => {
    const key = 'admin-key-parallel-0123456789-0123456789'
    const [a, b] = await twoInstances({ ADMIN_API_KEY: key })
    const budget = RATE_LIMIT_POLICY.clientPerIp.points
    const introspections = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? a : b).from('203.0.113.33').post('/introspect', { token: 'x' }, { authorization: basicAuth('orders-api', `wrong-secret-${i}-wrong-secret-wrong`) }),
      ),
    )
    expect(tally(introspections)[401] ?? 0).toBeLessThanOrEqual(budget)
    expect((tally(introspections)[401] ?? 0) + (tally(introspections)[429] ?? 0)).toBe(60)
    const admins = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).from('203.0.113.34').get('/admin/users', { authorization: `Bearer wrong-key-${i}` })),
    )
    expect(tally(admins)[401] ?? 0).toBeLessThanOrEqual(budget)
    expect((tally(admins)[401] ?? 0) + (tally(admins)[429] ?? 0)).toBe(60)
    expect((await a.from('203.0.113.34').get('/admin/users', { authorization: `Bearer ${key}` })).status).toBe(429)
  })
})

describe('sign-up floods', () => {
  it('successful sign-ups count too: parallel sign-ups from one IP create at most the budget of accounts', async () => {
    const { from } = await server()
    const budget = RATE_LIMIT_POLICY.registerPerIp.points
    const results = await Promise.all(
      Array.from({ length: budget + 10 }, () => from('203.0.113.60').post('/register', { email: uniqueEmail(), password: 'a perfectly fine passphrase' })),
    )
    const counts = tally(results)
    expect(counts[201] ?? 0).toBeGreaterThan(0)
    expect((counts[201] ?? 0) + (counts[503] ?? 0)).toBeLessThanOrEqual(budget)
    expect(counts[429]).toBeGreaterThanOrEqual(10)
    expect((await from('203.0.113.60').post('/register', { email: uniqueEmail(), password: 'a perfectly fine passphrase' })).status).toBe(429)
    // Another address still signs up.
    expect((await from('203.0.113.61').post('/register', { email: uniqueEmail(), password: 'a perfectly fine passphrase' })).status).toBe(201)
  })

  /** Keeps `workers` sign-ups in flight (from `ip(n)`) while `during` runs; returns what `during` returned. */
  async function whileFlooding<T>(from: (ip: string) => { post: (path: string, json: unknown) => Promise<{ status: number }> }, ip: (n: number) => string, during: () => Promise<T>) {
    let stop = false
    let n = 0
    const statuses: number[] = []
    const worker = async () => {
      while (!stop) {
        n += 1
        statuses.push((await from(ip(n)).post('/register', { email: uniqueEmail(), password: 'a perfectly fine passphrase' })).status)
      }
    }
    const workers = Array.from({ length: 20 }, worker)
    await new Promise((resolve) => setTimeout(resolve, 50))
    try {
      return { result: await during(), statuses }
    } finally {
      stop = true
      await Promise.all(workers)
    }
  }

  // A small hash pool makes the flood bite. The ledger deadline is roomy because these tests are about
  // the hash queue: on a loaded CI machine a 2 s ledger deadline could answer the owner 503 on its own.
  const FLOOD_ENV = { PASSWORD_HASH_CONCURRENCY: '2', PASSWORD_HASH_QUEUE: '4', DEPENDENCY_TIMEOUT: '15s' }

  const ownerLogins = async (post: (json: unknown) => Promise<{ status: number }>, email: string, password: string) => {
    const statuses: number[] = []
    for (let i = 0; i < 9; i += 1) statuses.push((await post({ email, password })).status)
    return statuses
  }

  it("a sign-up flood from one address leaves another address's logins answered", async () => {
    const { app, from } = await server(FLOOD_ENV)
    const { email, password } = await registerAndLogin(app)
    const { result, statuses } = await whileFlooding(from, () => '203.0.113.62', () =>
      ownerLogins((json) => from('198.51.100.62').post('/login', json), email, password),
    )
    expect(result).toEqual(Array(9).fill(200))
    expect(statuses).toContain(429)
  }, 60_000)

  it('a sign-up flood from many addresses cannot take the whole hash pool nor its login queue', async () => {
    const { app, from } = await server(FLOOD_ENV)
    const { email, password } = await registerAndLogin(app)
    const { result, statuses } = await whileFlooding(from, (n) => `198.18.${n >> 8}.${n & 255}`, () =>
      ownerLogins((json) => from('198.51.100.63').post('/login', json), email, password),
    )
    expect(result).toEqual(Array(9).fill(200))
    // The flood was real: its own queue overflowed.
    expect(statuses).toContain(503)
  }, 60_000)
})

describe('targeted lockout: a known device is judged by its own budget', () => {
  const deviceCookie = (res: { headers: Headers }) => {
    const header = res.headers.getSetCookie().find((cookie) => cookie.startsWith('__Host-sessiond_device='))
    return header ? header.split(';')[0]! : null
  }

  it('a successful login sets a long-lived __Host- device cookie (HttpOnly, Secure, SameSite=Strict) holding no token', async () => {
    const { app, from } = await server()
    const { email, password } = await registerAndLogin(app)
    const res = await from('203.0.113.70').post('/login', { email, password })
    expect(res.status).toBe(200)
    const header = res.headers.getSetCookie().find((cookie) => cookie.startsWith('__Host-sessiond_device='))!
    expect(header).toMatch(/; Max-Age=\d{7,}/)
    expect(header).toMatch(/; Path=\//)
    expect(header).toMatch(/; Secure/)
    expect(header).toMatch(/; HttpOnly/)
    expect(header).toMatch(/; SameSite=Strict/)
    expect(header).not.toMatch(/Domain=/i)
    const value = deviceCookie(res)!.split('=')[1]!
    expect(value).not.toContain(res.body.accessToken)
    expect(value).not.toContain(res.body.refreshToken)
    // Failed logins get none.
    expect(deviceCookie(await from('203.0.113.70').post('/login', { email, password: 'not the password at all' }))).toBeNull()
  })

  it('50+ wrong logins over 5 IPs: the owner with the device cookie still gets in from a fresh IP on the other instance; an unknown client waits', async () => {
    const [a, b] = await twoInstances()
    const { email, password } = await registerAndLogin(a.app)
    const owner = deviceCookie(await a.from('198.51.100.80').post('/login', { email, password }))!
    expect(owner).toBeTruthy()

    const attackers = ['203.0.113.81', '203.0.113.82', '203.0.113.83', '203.0.113.84', '203.0.113.85']
    const perIp = RATE_LIMIT_POLICY.loginPerAccount.points / attackers.length + 2
    const attack = await Promise.all(
      attackers.map(async (ip) => {
        const statuses: number[] = []
        for (let i = 0; i < perIp; i += 1) statuses.push((await a.from(ip).post('/login', { email, password: `attack ${ip} ${i} guess` })).status)
        return statuses
      }),
    )
    expect(attack.flat().filter((status) => status === 401).length).toBe(RATE_LIMIT_POLICY.loginPerAccount.points)
    // An unknown client, even with the right password and a fresh IP: the account is locked for now.
    const unknown = await b.from('198.51.100.86').post('/login', { email, password })
    expect(unknown.status).toBe(429)
    // The owner's browser is known: its own budget decides, on either instance, from any IP.
    const known = await b.from('198.51.100.87').post('/login', { email, password }, { cookie: owner })
    expect(known.status).toBe(200)
    const renewed = deviceCookie(known)!
    expect(renewed).toBeTruthy()
    expect((await a.from('198.51.100.88').post('/login', { email, password }, { cookie: renewed })).status).toBe(200)
  })

  it("a device cookie counts only for its own account, and a forged or altered one is unknown", async () => {
    const { app, from } = await server()
    const victim = await registerAndLogin(app)
    const other = await registerAndLogin(app)
    // The attacker's own account gives them a genuine cookie: it is not one for the victim.
    const attackersCookie = deviceCookie(await from('198.51.100.90').post('/login', { email: other.email, password: other.password }))!
    for (let i = 0; i < RATE_LIMIT_POLICY.loginPerAccount.points; i += 1) {
      await from(`203.0.113.${100 + (i % 5)}`).post('/login', { email: victim.email, password: `spray ${i} guess guess` })
    }
    const [name, value] = attackersCookie.split('=') as [string, string]
    const altered = `${name}=${value.slice(0, -2)}${value.endsWith('AA') ? 'AB' : 'AA'}`
    for (const cookie of [attackersCookie, altered, `${name}=v1.forged.forged`, `${name}=`]) {
      expect((await from('198.51.100.91').post('/login', { email: victim.email, password: victim.password }, { cookie })).status).toBe(429)
    }
  })

  it('a device whose own budget is spent is an unknown client from then on', async () => {
    const { app, from } = await server()
    const { email, password } = await registerAndLogin(app)
    const cookie = deviceCookie(await from('198.51.100.95').post('/login', { email, password }))!
    for (let i = 0; i < RATE_LIMIT_POLICY.loginPerAccount.points; i += 1) {
      await from(`203.0.113.${110 + (i % 5)}`).post('/login', { email, password: `spray ${i} guess guess` })
    }
    // The device's own wrong guesses are judged by its budget (401s), not by the locked account's.
    for (let i = 0; i < RATE_LIMIT_POLICY.loginPerDevice.points; i += 1) {
      expect((await from('198.51.100.96').post('/login', { email, password: `device guess ${i} guess` }, { cookie })).status).toBe(401)
    }
    // Spent: now it is unknown, and unknown clients meet the locked account budget.
    expect((await from('198.51.100.97').post('/login', { email, password }, { cookie })).status).toBe(429)
  })
})
