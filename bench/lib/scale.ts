// `npm run bench -- --scale`: after the small-ledger scenarios, the same instance gets a ledger of 10⁶
// sessions over 10⁵ users and a denylist of 10⁵ recent revocations, and the figures that must stay flat
// are measured again, plus what only a big ledger shows (a rebuild, a retention pass, a long session list).
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import type autocannon from 'autocannon'
import { ROOT, sleep } from './children.js'
import { login, loginMany, type BenchSession, type BenchUser } from './fixtures.js'
import { REDIS_URL } from './infra.js'
import { CONNECTIONS, measurePhase, runLoad, type LoadPlan, type LoadResult, type Phase } from './load.js'
import { RefreshChains, introspectRequests, loginRequests, type AnswerCheck, type IntrospectItem } from './scenarios.js'
import { SCALE, explainScaleQueries, scaleUserId, seedScaleLedger } from './seed.js'
import { log, type Stack } from './stack.js'
import { createOfflineSigner, signMany } from './tokens.js'
import type { Argon2Params } from './argon2.js'

export interface ScaleInputs {
  stack: Stack
  runId: string
  users: BenchUser[]
  hotItems: IntrospectItem[]
  argon2: Argon2Params
  accessTokenTtlSeconds: number
  seconds: { warmup: number; measured: number }
}

export interface ScaleMeasurements {
  seed: { seconds: number; users: number; sessions: number; recentlyRevoked: number; expired: number }
  plans: Record<string, string[]>
  rebuild: { ms: number | null; denylistSize: number; during: LoadResult; revokedAnsweredActive: number }
  introspect_hot: LoadResult
  refresh: LoadResult
  login: LoadResult
  me_sessions: LoadResult & { sessionsListed: number; connections: number }
  cleanup: { seconds: number; deleted: number | null; before: LoadResult; during: LoadResult }
  residentMemoryMiB: { beforeSeed: number; end: number }
}

/** Revoked sessions whose tokens the rebuild phase asks about (signed offline: valid, but revoked). */
const REVOKED_SAMPLE = 2_000
/** /me/sessions: one user's page loads (one at a time), not a 50-connection flood of 300 KB answers. */
const ME_SESSIONS_CONNECTIONS = 1
/** The scale run's refresh clients (198.18.0.0/15 is for benchmarks, RFC 2544). */
const SCALE_CLIENT_IP = '198.19.255.1'
/** Longest the bench waits for the rebuild's completeness marker after the load ends. */
const REBUILD_WAIT_MS = 30_000
const CLEANUP_TIMEOUT_MS = 300_000

export async function runScale(input: ScaleInputs): Promise<ScaleMeasurements> {
  const { stack } = input
  const target = { baseUrl: stack.sessiond.baseUrl, pid: stack.sessiond.pid }
  const beforeSeed = residentMiB(stack.sessiond.pid)
  const measured = (requests: autocannon.Request[], connections?: number): Phase => ({ requests, seconds: input.seconds.measured, connections })
  const plan = (requests: () => autocannon.Request[], extra: Partial<LoadPlan> = {}): LoadPlan => ({
    warmup: { requests: requests(), seconds: input.seconds.warmup },
    measured: measured(requests()),
    ...extra,
  })

  log(`scale: seeding ${SCALE.sessions} sessions over ${SCALE.users} users in bulk`)
  const ledger = await seedScaleLedger(stack.databaseUrl, input.argon2, input.runId, REVOKED_SAMPLE)
  log(`scale: seeded in ${ledger.seconds.toFixed(1)} s`)
  // Seeded behind sessiond's back, so the denylist does not know these revocations yet: losing the
  // list now is the very case measured next (a Redis flush with 10⁵ recent revocations in the ledger).
  const rebuild = await measureRebuild(input, ledger.revokedSample)
  const plans = await explainScaleQueries(stack.databaseUrl, scaleUserId(0))

  const introspect_hot = await measureNamed('scale introspect_hot', target, introspectPlan(input.hotItems, stack.introspectAuth, input.seconds))
  // Fresh chains, from an address of their own: nothing the small run left (a dead chain, a spent
  // per-IP failure budget on a loaded machine) carries over into the comparison.
  const chains = new RefreshChains(await loginMany(stack.sessiond.baseUrl, input.users, CONNECTIONS, 4))
  const fromScale = { 'x-forwarded-for': SCALE_CLIENT_IP }
  const refresh = await measureNamed('scale refresh', target, plan(() => chains.requests(fromScale), { afterWarmup: () => chains.releaseAll() }))
  const loginResult = await measureNamed('scale login', target, plan(() => loginRequests(input.users)))

  const bigUser = await login(stack.sessiond.baseUrl, { id: scaleUserId(0), ...ledger.bigUser })
  const listed = await countSessions(stack.sessiond.baseUrl, bigUser.accessToken)
  const meSessions = await measureNamed('scale me_sessions', target, {
    warmup: { requests: bearerGet('/me/sessions', [bigUser]), seconds: input.seconds.warmup, connections: ME_SESSIONS_CONNECTIONS },
    measured: { requests: bearerGet('/me/sessions', [bigUser]), seconds: input.seconds.measured, connections: ME_SESSIONS_CONNECTIONS },
  })

  const cleanup = await measureCleanup(input, chains, fromScale)
  return {
    seed: { seconds: ledger.seconds, users: SCALE.users, sessions: SCALE.sessions, recentlyRevoked: SCALE.recentlyRevoked, expired: SCALE.expired },
    plans,
    rebuild,
    introspect_hot,
    refresh,
    login: loginResult,
    me_sessions: { ...meSessions, sessionsListed: listed, connections: ME_SESSIONS_CONNECTIONS },
    cleanup,
    residentMemoryMiB: { beforeSeed, end: residentMiB(stack.sessiond.pid) },
  }
}

async function measureNamed(name: string, target: { baseUrl: string; pid: number }, plan: LoadPlan): Promise<LoadResult> {
  const result = await runLoad(target, plan)
  log(`${name}: ${result.reqPerSec.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.errors}, non-2xx ${result.non2xx}, mismatches ${result.mismatches}`)
  return result
}

function introspectPlan(items: IntrospectItem[], auth: string, seconds: ScaleInputs['seconds']): LoadPlan {
  const check: AnswerCheck = { mismatches: 0 }
  return {
    warmup: { requests: introspectRequests(items, auth, check), seconds: seconds.warmup },
    measured: { requests: introspectRequests(items, auth, check), seconds: seconds.measured },
    afterWarmup: () => (check.mismatches = 0),
    mismatches: () => check.mismatches,
  }
}

/**
 * Deletes the denylist (what a Redis flush or restart does to sessiond's keys; FLUSHDB itself would
 * hit whatever else shares this Redis), then loads /introspect with 1 revoked token in 4 while
 * watching for the completeness marker. Every answer is checked: a revoked session answered
 * `active: true` at any moment of the rebuild is counted.
 */
async function measureRebuild(input: ScaleInputs, revoked: BenchSession[]): Promise<ScaleMeasurements['rebuild']> {
  const { stack } = input
  const signer = await createOfflineSigner(stack.privateKeyPem, { issuer: 'sessiond', audience: 'sessiond', ttlSeconds: input.accessTokenTtlSeconds })
  const revokedTokens = await signMany(signer, revoked, revoked.length)
  const items: IntrospectItem[] = []
  for (let i = 0; i < revokedTokens.length; i++) {
    items.push({ token: revokedTokens[i]!, active: false })
    for (let j = 0; j < 3; j++) items.push(input.hotItems[(3 * i + j) % input.hotItems.length]!)
  }
  const key = `${stack.redisPrefix}{denylist}:revoked`
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    const check: AnswerCheck = { mismatches: 0 }
    await redis.del(key)
    const flushedAt = performance.now()
    log('scale: denylist deleted; introspecting (25 % revoked) during the rebuild')
    let completeAt: number | null = null
    const watch = (async () => {
      while (completeAt === null && performance.now() - flushedAt < input.seconds.measured * 1000 + REBUILD_WAIT_MS) {
        if ((await redis.zscore(key, '~complete')) !== null) completeAt = performance.now()
        else await sleep(10)
      }
    })()
    const during = await measurePhase(
      { baseUrl: stack.sessiond.baseUrl, pid: stack.sessiond.pid },
      { requests: introspectRequests(items, stack.introspectAuth, check), seconds: input.seconds.measured },
      () => check.mismatches,
    )
    await watch
    const ms = completeAt === null ? null : completeAt - flushedAt
    // Entries only: the markers (~complete, ~replid:…) are scored +inf.
    const denylistSize = await redis.zcount(key, '-inf', '(+inf')
    log(`scale: rebuild ${ms === null ? 'NOT complete' : `${ms.toFixed(0)} ms`}, ${denylistSize} entries; ${check.mismatches} wrong answers during it`)
    return { ms, denylistSize, during, revokedAnsweredActive: check.mismatches }
  } finally {
    redis.disconnect()
  }
}

/** GET with a bearer token, round-robin over `sessions`; 200 expected. */
function bearerGet(path: string, sessions: BenchSession[]): autocannon.Request[] {
  let next = 0
  return [
    {
      method: 'GET',
      path,
      setupRequest: (request) => {
        request.headers = { ...request.headers, authorization: `Bearer ${sessions[next++ % sessions.length]!.accessToken}` }
        return request
      },
    },
  ]
}

async function countSessions(baseUrl: string, accessToken: string): Promise<number> {
  const response = await fetch(`${baseUrl}/me/sessions`, { headers: { authorization: `Bearer ${accessToken}` } })
  if (response.status !== 200) throw new Error(`GET /me/sessions: ${response.status}`)
  return ((await response.json()) as { sessions: unknown[] }).sessions.length
}

/**
 * One retention pass (`npm run db:cleanup`, the same code as the periodic job) over the 10⁵ expired
 * sessions, while refresh rotations (ledger writes on the same table) run; the same load just before
 * is the comparison.
 */
async function measureCleanup(input: ScaleInputs, chains: RefreshChains, headers: Record<string, string>): Promise<ScaleMeasurements['cleanup']> {
  const { stack } = input
  const target = { baseUrl: stack.sessiond.baseUrl, pid: stack.sessiond.pid }
  chains.releaseAll()
  const before = await measurePhase(target, { requests: chains.requests(headers), seconds: input.seconds.measured })
  await sleep(500)
  chains.releaseAll()
  log('scale: retention cleanup (npm run db:cleanup) under refresh load')
  let seconds = Number.NaN
  const started = performance.now()
  const pass = runCleanupTool(stack.databaseUrl)
  const finished = pass.then(() => (seconds = (performance.now() - started) / 1000))
  // The load lasts as long as the pass (at most CLEANUP_TIMEOUT_MS): its p99 is the pass's effect.
  const during = await measurePhase(target, { requests: chains.requests(headers), seconds: CLEANUP_TIMEOUT_MS / 1000, until: finished.catch(() => {}) })
  const output = await pass
  const deleted = /deleted (\d+) sessions/.exec(output)?.[1]
  log(`scale: cleanup took ${seconds.toFixed(1)} s (${deleted ?? '?'} sessions); refresh p99 ${before.p99Ms.toFixed(1)} → ${during.p99Ms.toFixed(1)} ms`)
  return { seconds, deleted: deleted === undefined ? null : Number(deleted), before, during }
}

function runCleanupTool(databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/cleanup.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: databaseUrl, REDIS_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), CLEANUP_TIMEOUT_MS)
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(output)
      else reject(new Error(`db:cleanup exited ${code}: ${output}`))
    })
  })
}

function residentMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))
  return line ? Number(line.split(/\s+/)[1]) / 1024 : Number.NaN
}
