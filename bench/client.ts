// `npm run bench:client`: @sessiond/client against sessiond in real mode (Postgres + Redis).
// 1. Three verifier processes, one per mode (stream, introspect, offline), verify the same tokens while
//    this process revokes them one by one: revocation-to-first-refusal per mode, and how many requests
//    were accepted though sent more than maxStaleness after the revocation answered (must be 0 but for
//    offline, which accepts until the token expires).
// 2. The cost of one verify() per mode, same run (stream against introspect: the ratio).
// 3. 1,000 stream subscribers: sessiond's memory, fan-out latency of a revocation to all of them, then
//    a reconnect storm of all 1,000 resuming at once with Last-Event-ID.
// Usage: npm run bench:client [-- --revocations=1000 --subscribers=1000]. Progress on stderr, table on stdout.
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createParser } from 'eventsource-parser'
import { ROOT, sleep } from './lib/children.js'
import { login, logout, mapLimit, registerUsers, type BenchSession } from './lib/fixtures.js'
import { log, startStack, withCleanup, type Stack } from './lib/stack.js'

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const PARAMS = {
  revocations: arg('revocations', 1000),
  subscribers: arg('subscribers', 1000),
  users: 50,
  maxStalenessMs: 5000,
  heartbeat: '2s',
  /** Revocations per second while the verifiers watch. */
  revocationRate: 20,
  costSeconds: 3,
  fanoutRevocations: 20,
}
const MODES = ['stream', 'introspect', 'offline'] as const
type Mode = (typeof MODES)[number]

interface Report {
  lastAcceptedAt: [string, number][]
  firstRefusedAt: [string, number][]
  verifies: number
  unavailable: number
}

function quantiles(values: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN, n: sorted.length }
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) / 1024
}

function credentials(stack: Stack): { clientId: string; clientSecret: string } {
  const [clientId, clientSecret] = Buffer.from(stack.introspectAuth.replace(/^Basic /, ''), 'base64').toString().split(':')
  return { clientId: clientId!, clientSecret: clientSecret! }
}

/** A forked verifier process and a way to ask it something and wait for its answer of that type. */
function startWorker(mode: Mode) {
  const child: ChildProcess = fork(`${ROOT}/bench/client-worker.ts`, [], { execArgv: ['--conditions=sessiond-source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ask = <T>(message: object, answer: string) =>
    new Promise<T>((resolve) => {
      const listener = (reply: { type: string }) => {
        if (reply.type !== answer) return
        child.off('message', listener)
        resolve(reply as T)
      }
      child.on('message', listener)
      child.send(message)
    })
  return { mode, child, ask, send: (message: object) => child.send(message) }
}

async function revocationRace(stack: Stack, sessions: BenchSession[]) {
  const url = stack.sessiond.baseUrl
  const workers = MODES.map(startWorker)
  const tokens = sessions.map((s) => ({ sid: s.sessionId, token: s.accessToken }))
  await Promise.all(workers.map((w) => w.ask({ type: 'start', url, ...credentials(stack), mode: w.mode, maxStalenessMs: PARAMS.maxStalenessMs, tokens }, 'ready')))
  log('3 verifier processes ready')
  const costs = new Map<Mode, number>()
  for (const worker of workers) {
    const result = await worker.ask<{ perRequestUs: number }>({ type: 'cost', seconds: PARAMS.costSeconds }, 'cost')
    costs.set(worker.mode, result.perRequestUs)
    log(`${worker.mode}: ${result.perRequestUs.toFixed(0)} µs per verify()`)
  }
  const answeredAt = new Map<string, number>()
  let retries = 0
  const pace = 1000 / PARAMS.revocationRate
  for (const [i, session] of sessions.entries()) {
    const started = Date.now()
    for (const worker of workers) worker.send({ type: 'watch', sid: session.sessionId })
    retries += (await retry503(() => logout(url, session))).retries
    answeredAt.set(session.sessionId, Date.now())
    if ((i + 1) % 100 === 0) log(`${i + 1} revocations`)
    await sleep(Math.max(0, pace - (Date.now() - started)))
  }
  await sleep(PARAMS.maxStalenessMs + 2000)
  const rows = []
  for (const worker of workers) {
    const report = await worker.ask<Report>({ type: 'report' }, 'report')
    const refused = new Map(report.firstRefusedAt)
    const accepted = new Map(report.lastAcceptedAt)
    const latencies = [...answeredAt].filter(([sid]) => refused.has(sid)).map(([sid, at]) => refused.get(sid)! - at)
    const late = [...answeredAt].filter(([sid, at]) => (accepted.get(sid) ?? 0) > at + PARAMS.maxStalenessMs).length
    rows.push({ mode: worker.mode, ...quantiles(latencies), refused: latencies.length, late, verifies: report.verifies, unavailable: report.unavailable, costUs: costs.get(worker.mode)! })
    worker.send({ type: 'stop' })
  }
  return { rows, retries }
}

/**
 * Runs `work` until it is not answered 503: a saturated sessiond (this is a 2-core machine) may answer
 * 503 when a ledger or Redis deadline passes, and every call here is safe to repeat (a logout's
 * revocation is already in the ledger then). "Answered" is the success. Resolves with the retries.
 */
async function retry503<T>(work: () => Promise<T>): Promise<{ value: T; retries: number }> {
  for (let retries = 0; retries < 10; retries += 1) {
    try {
      return { value: await work(), retries }
    } catch (error) {
      if (!String(error).includes('got 503')) throw error
      await sleep(200)
    }
  }
  throw new Error('sessiond kept answering 503')
}

/** One raw stream subscriber that notes when each event arrives. */
async function subscribe(url: string, auth: string, lastEventId: number | null, onEvent: (type: string, data: { seq: number; sid?: string }) => void, signal: AbortSignal) {
  const headers: Record<string, string> = { authorization: auth }
  if (lastEventId !== null) headers['last-event-id'] = String(lastEventId)
  const response = await fetch(`${url}/revocations/stream`, { headers, signal })
  if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`)
  const parser = createParser({ onEvent: (message) => onEvent(message.event ?? 'message', JSON.parse(message.data)) })
  void (async () => {
    try {
      for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) parser.feed(chunk)
    } catch {
      /* aborted */
    }
  })()
}

async function fanOut(stack: Stack, sessions: BenchSession[]) {
  const url = stack.sessiond.baseUrl
  const rssBefore = rssMiB(stack.sessiond.pid)
  const abort = new AbortController()
  const cursors = new Array<number>(PARAMS.subscribers).fill(0)
  const arrivals = new Map<string, number[]>()
  const connectStarted = Date.now()
  const firstHeartbeat: number[] = []
  let connectFailures = 0
  await mapLimit(Array.from({ length: PARAMS.subscribers }, (_, i) => i), 100, (i) =>
    subscribe(url, stack.introspectAuth, null, (type, data) => {
      cursors[i] = data.seq
      if (type === 'heartbeat' && firstHeartbeat[i] === undefined) firstHeartbeat[i] = Date.now() - connectStarted
      if (type === 'revoked' && data.sid) (arrivals.get(data.sid) ?? arrivals.set(data.sid, []).get(data.sid)!).push(Date.now())
    }, abort.signal).catch(() => {
      connectFailures += 1
    }),
  )
  const connected = PARAMS.subscribers - connectFailures
  log(`${connected} subscribers connected (${connectFailures} refused), first heartbeat p50 ${quantiles(firstHeartbeat.filter((v) => v !== undefined)).p50} ms`)
  await sleep(3000)
  const rssAfter = rssMiB(stack.sessiond.pid)
  log(`${PARAMS.subscribers} subscribers: sessiond RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MiB`)
  const spreads: number[] = []
  const toAll: number[] = []
  for (const session of sessions.slice(0, PARAMS.fanoutRevocations)) {
    await retry503(() => logout(url, session))
    const answered = Date.now()
    await sleep(500)
    const times = arrivals.get(session.sessionId) ?? []
    if (times.length === connected) toAll.push(Math.max(...times) - answered)
    spreads.push(...times.map((t) => t - answered))
  }
  abort.abort()
  await sleep(500)
  // Reconnect storm: every subscriber resumes at once from where it was.
  const storm = new AbortController()
  const resumed: number[] = []
  let failures = 0
  const stormStarted = Date.now()
  await Promise.all(
    cursors.map((cursor, i) =>
      subscribe(url, stack.introspectAuth, cursor, (type) => {
        if (type === 'heartbeat' && resumed[i] === undefined) resumed[i] = Date.now() - stormStarted
      }, storm.signal).catch(() => (failures += 1)),
    ),
  )
  await sleep(PARAMS.maxStalenessMs)
  storm.abort()
  return {
    connected,
    rssBefore,
    rssAfter,
    perSubscriberKiB: ((rssAfter - rssBefore) * 1024) / Math.max(1, connected),
    fanout: quantiles(spreads),
    toAll: quantiles(toAll),
    storm: quantiles(resumed.filter((v) => v !== undefined)),
    stormResumed: resumed.filter((v) => v !== undefined).length,
    stormFailures: failures,
  }
}

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '—')

await withCleanup(async (cleanup) => {
  const runId = randomUUID().slice(0, 8)
  const stack = await startStack(cleanup, runId, { sessiondEnv: { STREAM_HEARTBEAT: PARAMS.heartbeat } })
  const users = await registerUsers(stack.sessiond.baseUrl, PARAMS.users, 8, runId)
  const total = PARAMS.revocations + PARAMS.fanoutRevocations
  const sessions = await mapLimit(Array.from({ length: total }, (_, i) => users[i % users.length]!), 8, async (user) => (await retry503(() => login(stack.sessiond.baseUrl, user))).value)
  log(`${sessions.length} sessions`)
  const { rows: race, retries } = await revocationRace(stack, sessions.slice(0, PARAMS.revocations))
  process.stdout.write(
    `${[
      `revocations: ${PARAMS.revocations} at up to ${PARAMS.revocationRate}/s (${retries} logouts answered 503 first and were retried); STREAM_HEARTBEAT=${PARAMS.heartbeat}, maxStaleness ${PARAMS.maxStalenessMs} ms`,
      '',
      '| mode | revocation → first refusal p50 | p99 | max | refused | accepted, sent > maxStaleness after | verify() cost | unavailable |',
      '|---|---|---|---|---|---|---|---|',
      ...race.map((r) => `| ${r.mode} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.refused}/${PARAMS.revocations} | ${r.late} | ${r.costUs.toFixed(0)} µs | ${r.unavailable} |`),
      '',
      `stream vs introspect, cost per verify(): ${(race.find((r) => r.mode === 'introspect')!.costUs / race.find((r) => r.mode === 'stream')!.costUs).toFixed(1)}× cheaper offline`,
    ].join('\n')}\n`,
  )
  const fan = await fanOut(stack, sessions.slice(PARAMS.revocations))
  const lines = [
    `${fan.connected} of ${PARAMS.subscribers} subscribers: sessiond RSS ${fan.rssBefore.toFixed(0)} → ${fan.rssAfter.toFixed(0)} MiB (${fan.perSubscriberKiB.toFixed(1)} KiB each)`,
    `fan-out of a revocation (${PARAMS.fanoutRevocations} of them): per subscriber p50 ${ms(fan.fanout.p50)}, p99 ${ms(fan.fanout.p99)}, max ${ms(fan.fanout.max)}; to all ${PARAMS.subscribers}: p50 ${ms(fan.toAll.p50)}, max ${ms(fan.toAll.max)}`,
    `reconnect storm (${PARAMS.subscribers} resuming at once): ${fan.stormResumed} back with a heartbeat, ${fan.stormFailures} refused; first heartbeat p50 ${ms(fan.storm.p50)}, p99 ${ms(fan.storm.p99)}, max ${ms(fan.storm.max)}`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
})
