// `npm run bench`: sessiond in real mode (Postgres + Redis) under load, next to a bare Hono baseline
// measured at the start and at the end, and raw argon2id as the ceiling for /login.
// Progress goes to stderr; stdout gets the table and, last, one summary line.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { measureArgon2Verify, type Argon2Result } from './lib/argon2.js'
import { CLOCK_TICKS_PER_SECOND, ROOT, type ChildServer } from './lib/children.js'
import { fetchJwksKids, loginMany, logout, mapLimit, registerUsers, type BenchSession, type BenchUser } from './lib/fixtures.js'
import { CONNECTIONS, runLoad, type LoadPlan, type LoadResult, type Phase } from './lib/load.js'
import { argon2Row, formatTable, loadRow, type TableRow } from './lib/report.js'
import {
  RefreshChains,
  introspectRequests,
  loginRequests,
  type AnswerCheck,
  type IntrospectItem,
} from './lib/scenarios.js'
import { runScale, type ScaleMeasurements } from './lib/scale.js'
import { scaleErrors, scaleFigures, scaleLine, scaleRows, type ScaleFigure } from './lib/scale-report.js'
import { Cleanup, log, startStack, withCleanup, type Stack } from './lib/stack.js'
import { createOfflineSigner, signMany } from './lib/tokens.js'

const PARAMS = {
  connections: CONNECTIONS,
  warmupSeconds: 2,
  measuredSeconds: 10,
  users: 32,
  loginsPerUser: 32, // 32 × 32 = 1,024 distinct active access tokens for introspect_hot
  setupConcurrency: 8,
  revokedTokens: 256, // introspect_mixed_revoked: 768 active hot tokens + 256 logged-out sessions = 25 % revoked
  refreshSessions: CONNECTIONS, // one rotation chain per connection
  // One-shot tokens for introspect_cold: enough for ~measuredSeconds at the hot rate (cold is no faster).
  coldTokensMin: 10_000,
  coldTokensMax: 200_000,
  accessTokenTtlSeconds: 900,
  argon2: { memoryCost: 19_456, timeCost: 2, parallelism: 1 }, // sessiond's defaults (ARGON2_*)
  argon2Concurrency: 4, // PASSWORD_HASH_CONCURRENCY default
  argon2Seconds: 5,
} as const

const RESULTS_FILE = join(ROOT, 'bench', 'results', 'latest.json')
/** `npm run bench -- --scale`: afterwards, the big-ledger scenarios on the same instance. */
const SCALE_RUN = process.argv.slice(2).includes('--scale')

type Services = Stack

interface Fixtures {
  users: BenchUser[]
  hot: BenchSession[]
  revoked: BenchSession[]
  refresh: BenchSession[]
}

/** Users and sessions through the public API; the logins are argon2-bound, hence the limited concurrency. */
async function prepareFixtures(baseUrl: string, runId: string): Promise<Fixtures> {
  const users = await registerUsers(baseUrl, PARAMS.users, PARAMS.setupConcurrency, runId)
  log(`registered ${users.length} users`)
  const hot = await loginMany(baseUrl, users, PARAMS.users * PARAMS.loginsPerUser, PARAMS.setupConcurrency)
  log(`${hot.length} hot sessions`)
  const revoked = await loginMany(baseUrl, users, PARAMS.revokedTokens, PARAMS.setupConcurrency)
  await mapLimit(revoked, PARAMS.setupConcurrency, (session) => logout(baseUrl, session))
  log(`${revoked.length} sessions logged out`)
  const refresh = await loginMany(baseUrl, users, PARAMS.refreshSessions, PARAMS.setupConcurrency)
  log(`${refresh.length} refresh chains`)
  return { users, hot, revoked, refresh }
}

const measured = (requests: Phase['requests']): Phase => ({ requests, seconds: PARAMS.measuredSeconds })
const warmup = (requests: Phase['requests']): Phase => ({ requests, seconds: PARAMS.warmupSeconds })

async function measure(name: string, server: ChildServer, plan: LoadPlan): Promise<LoadResult> {
  log(`${name}: warm-up ${describe(plan.warmup)}, then measured ${describe(plan.measured)}`)
  const result = await runLoad({ baseUrl: server.baseUrl, pid: server.pid }, plan)
  log(`${name}: ${result.reqPerSec.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.errors}, non-2xx ${result.non2xx}, mismatches ${result.mismatches}, host busy ${result.hostBusyPct.toFixed(0)}%`)
  return result
}

function describe(phase: Phase): string {
  return 'amount' in phase ? `${phase.amount} requests` : `${phase.seconds} s`
}

function bareRun(bare: ChildServer): Promise<LoadResult> {
  const requests = [{ method: 'GET', path: '/' }]
  return measure('bare', bare, { warmup: warmup(requests), measured: measured(requests) })
}

/** An introspect plan whose answers are checked; the check counter restarts for the measured run. */
function introspectPlan(warmupItems: IntrospectItem[], measuredItems: IntrospectItem[], auth: string, oneShot: boolean): LoadPlan {
  const check: AnswerCheck = { mismatches: 0 }
  return {
    warmup: oneShot
      ? { requests: introspectRequests(warmupItems, auth, check), amount: warmupItems.length }
      : warmup(introspectRequests(warmupItems, auth, check)),
    measured: oneShot
      ? { requests: introspectRequests(measuredItems, auth, check), amount: measuredItems.length }
      : measured(introspectRequests(measuredItems, auth, check)),
    afterWarmup: () => (check.mismatches = 0),
    mismatches: () => check.mismatches,
  }
}

const active = (sessions: BenchSession[]): IntrospectItem[] => sessions.map((s) => ({ token: s.accessToken, active: true }))

/** 3 active tokens, then 1 of a logged-out session, repeated: ~25 % revoked, spread over the whole run. */
function mixedItems(hot: BenchSession[], revoked: BenchSession[]): IntrospectItem[] {
  const items: IntrospectItem[] = []
  for (let i = 0, h = 0, r = 0; i < hot.length; i++) {
    items.push(i % 4 === 3 && r < revoked.length ? { token: revoked[r++]!.accessToken, active: false } : { token: hot[h++]!.accessToken, active: true })
  }
  return items
}

async function coldPlan(services: Services, hot: BenchSession[], hotReqPerSec: number): Promise<{ plan: LoadPlan; tokens: number }> {
  const signer = await createOfflineSigner(services.privateKeyPem, {
    issuer: 'sessiond',
    audience: 'sessiond',
    ttlSeconds: PARAMS.accessTokenTtlSeconds,
  })
  const kids = await fetchJwksKids(services.sessiond.baseUrl)
  if (!kids.includes(signer.kid)) throw new Error(`offline kid ${signer.kid} is not in sessiond's JWKS (${kids.join(', ')})`)
  // Sized from the hot rate so the measured window lasts about measuredSeconds; every token is used once.
  const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(n)))
  const measuredCount = clamp(hotReqPerSec * PARAMS.measuredSeconds, PARAMS.coldTokensMin, PARAMS.coldTokensMax)
  const warmupCount = clamp(hotReqPerSec * PARAMS.warmupSeconds, CONNECTIONS, PARAMS.coldTokensMax)
  const signStarted = performance.now()
  const [warmupTokens, measuredTokens] = [await signMany(signer, hot, warmupCount), await signMany(signer, hot, measuredCount)]
  log(`signed ${warmupCount + measuredCount} fresh access tokens offline in ${((performance.now() - signStarted) / 1000).toFixed(1)} s`)
  const asItems = (tokens: string[]) => tokens.map((token) => ({ token, active: true }))
  return { plan: introspectPlan(asItems(warmupTokens), asItems(measuredTokens), services.introspectAuth, true), tokens: measuredCount }
}

function refreshPlan(sessions: BenchSession[]): { plan: LoadPlan; chains: RefreshChains } {
  const chains = new RefreshChains(sessions)
  return {
    chains,
    plan: {
      warmup: warmup(chains.requests()),
      measured: measured(chains.requests()),
      afterWarmup: () => chains.releaseAll(),
    },
  }
}

interface Measurements {
  /** Kept for the scale run, which asks about the same tokens. */
  hotItems: IntrospectItem[]
  bareStart: LoadResult
  sessiond: Record<'introspect_hot' | 'introspect_cold' | 'introspect_mixed_revoked' | 'refresh' | 'login', LoadResult>
  argon2: Argon2Result
  bareEnd: LoadResult
  /** For the table's notes. */
  notes: Record<string, string>
}

/** The scenarios in order, bare baseline first and last so that drift over the run shows. */
async function runScenarios(services: Services, fixtures: Fixtures): Promise<Measurements> {
  const { sessiond, bare, introspectAuth } = services
  const bareStart = await bareRun(bare)

  const hotItems = active(fixtures.hot)
  const hot = await measure('introspect_hot', sessiond, introspectPlan(hotItems, hotItems, introspectAuth, false))
  const cold = await coldPlan(services, fixtures.hot, hot.reqPerSec)
  const coldResult = await measure('introspect_cold', sessiond, cold.plan)
  const mixed = mixedItems(fixtures.hot, fixtures.revoked)
  const mixedResult = await measure('introspect_mixed_revoked', sessiond, introspectPlan(mixed, mixed, introspectAuth, false))
  const refresh = refreshPlan(fixtures.refresh)
  const refreshResult = await measure('refresh', sessiond, refresh.plan)
  const login = await measure('login', sessiond, {
    warmup: warmup(loginRequests(fixtures.users)),
    measured: measured(loginRequests(fixtures.users)),
  })

  log(`argon2_verify: ${PARAMS.argon2Concurrency} concurrent verifies for ${PARAMS.argon2Seconds} s (sessiond idle)`)
  const argon2 = await measureArgon2Verify({
    params: PARAMS.argon2,
    concurrency: PARAMS.argon2Concurrency,
    warmupSeconds: 1,
    seconds: PARAMS.argon2Seconds,
  })
  const bareEnd = await bareRun(bare)

  return {
    hotItems,
    bareStart,
    sessiond: { introspect_hot: hot, introspect_cold: coldResult, introspect_mixed_revoked: mixedResult, refresh: refreshResult, login },
    argon2,
    bareEnd,
    notes: {
      introspect_hot: `${hotItems.length} tokens cycled`,
      introspect_cold: `${cold.tokens} one-shot tokens`,
      introspect_mixed_revoked: `${fixtures.revoked.length}/${mixed.length} revoked`,
      refresh: `${refresh.chains.rotations} rotations, ${refresh.chains.deadChains} dead chains`,
    },
  }
}

interface Summary {
  bareReqPerSec: number
  bareDriftPct: number
  loginVsArgon2: number
  introspect_vs_bare: number
  cold_vs_bare: number
  p99_ms: number
  /** errors + non-2xx + wrong answers over the sessiond scenarios (bare runs excluded). */
  errors: number
}

function summarize(m: Measurements): Summary {
  // The baseline is the mean of both bare runs, so a machine that sped up or slowed down is averaged out.
  const bareReqPerSec = (m.bareStart.reqPerSec + m.bareEnd.reqPerSec) / 2
  return {
    bareReqPerSec,
    bareDriftPct: (m.bareEnd.reqPerSec / m.bareStart.reqPerSec - 1) * 100,
    loginVsArgon2: m.sessiond.login.reqPerSec / m.argon2.verifiesPerSec,
    introspect_vs_bare: m.sessiond.introspect_hot.reqPerSec / bareReqPerSec,
    cold_vs_bare: m.sessiond.introspect_cold.reqPerSec / bareReqPerSec,
    p99_ms: m.sessiond.introspect_hot.p99Ms,
    errors: Object.values(m.sessiond).reduce((sum, r) => sum + r.errors + r.non2xx + r.mismatches, 0),
  }
}

function tableRows(m: Measurements, s: Summary): TableRow[] {
  const drift = `drift ${s.bareDriftPct >= 0 ? '+' : ''}${s.bareDriftPct.toFixed(1)}% vs start`
  return [
    loadRow('bare_start', m.bareStart, s.bareReqPerSec),
    ...Object.entries(m.sessiond).map(([name, result]) =>
      loadRow(name, result, s.bareReqPerSec, name === 'login' ? `login/argon2=${s.loginVsArgon2.toFixed(2)}` : m.notes[name]),
    ),
    argon2Row(m.argon2, `raw argon2id verify, ${PARAMS.argon2Concurrency} concurrent, in-process`),
    loadRow('bare_end', m.bareEnd, s.bareReqPerSec, drift),
  ]
}

const summaryLine = (s: Summary) =>
  `introspect_vs_bare=${s.introspect_vs_bare.toFixed(2)} cold_vs_bare=${s.cold_vs_bare.toFixed(2)} ` +
  `p99_ms=${s.p99_ms.toFixed(2)} errors=${s.errors}`

async function runBench(cleanup: Cleanup): Promise<Summary> {
  const runId = String(Date.now())
  // Everything shares this machine's cores; other work running meanwhile shows up as noise and drift.
  const loadAtStart = loadavg()[0]!
  log(`${cpus().length} CPUs, 1-min load average ${loadAtStart.toFixed(2)} before starting`)
  const services = await startStack(cleanup, runId)
  const fixtures = await prepareFixtures(services.sessiond.baseUrl, runId)
  const measurements = await runScenarios(services, fixtures)
  const scale = SCALE_RUN ? await runScaleScenarios(services, fixtures, measurements, runId) : null
  const sessiondLog = reportChildOutput(services.sessiond)

  const summary = summarize(measurements)
  if (scale) summary.errors += scaleErrors(scale.measurements)
  const rows = [...tableRows(measurements, summary), ...(scale ? scaleRows(scale.measurements, summary.bareReqPerSec) : [])]
  process.stdout.write(`\n${formatTable(rows)}\n\n`)
  writeResults({ runId, loadAverage: { start: loadAtStart, end: loadavg()[0]! }, sessiondLog, measurements, summary, scale })
  log(`results written to ${RESULTS_FILE}`)
  if (scale) process.stdout.write(`${scaleLine(scale.figures)}\n`)
  return summary
}

/** `--scale`: the same instance, now over the big ledger (bench/lib/scale.ts). */
async function runScaleScenarios(services: Services, fixtures: Fixtures, m: Measurements, runId: string) {
  const measurements = await runScale({
    stack: services,
    runId,
    users: fixtures.users,
    hotItems: m.hotItems,
    argon2: PARAMS.argon2,
    accessTokenTtlSeconds: PARAMS.accessTokenTtlSeconds,
    seconds: { warmup: PARAMS.warmupSeconds, measured: PARAMS.measuredSeconds },
  })
  return { measurements, figures: scaleFigures(m.sessiond, measurements) }
}

const round2 = (n: number) => Math.round(n * 100) / 100

/** At LOG_LEVEL=warn sessiond should stay silent under load; anything it wrote hints at trouble. */
function reportChildOutput(child: ChildServer): { lines: number; tail: string[] } {
  const lines = child.output().split('\n').filter((line) => line.trim() !== '')
  if (lines.length > 0) log(`${child.name} wrote ${lines.length} log lines; last ones:\n${lines.slice(-5).join('\n')}`)
  return { lines: lines.length, tail: lines.slice(-20) }
}

function writeResults(data: {
  runId: string
  loadAverage: { start: number; end: number }
  sessiondLog: { lines: number; tail: string[] }
  measurements: Measurements
  summary: Summary
  scale: { measurements: ScaleMeasurements; figures: ScaleFigure[] } | null
}): void {
  const { measurements: m, summary: s } = data
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  const document = {
    date: new Date().toISOString(),
    runId: data.runId,
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      clockTicksPerSecond: CLOCK_TICKS_PER_SECOND,
      loadAverage1m: data.loadAverage,
    },
    parameters: PARAMS,
    summary: {
      introspect_vs_bare: round2(s.introspect_vs_bare),
      cold_vs_bare: round2(s.cold_vs_bare),
      p99_ms: round2(s.p99_ms),
      errors: s.errors,
      login_vs_argon2: round2(s.loginVsArgon2),
    },
    baseline: { reqPerSec: s.bareReqPerSec, driftPct: s.bareDriftPct, start: m.bareStart, end: m.bareEnd },
    scenarios: m.sessiond,
    ...(data.scale ? { scale: { figures: data.scale.figures, measurements: data.scale.measurements } } : {}),
    argon2Verify: m.argon2,
    sessiondLog: data.sessiondLog,
  }
  writeFileSync(RESULTS_FILE, `${JSON.stringify(document, null, 2)}\n`)
}

async function main(): Promise<void> {
  const summary = await withCleanup(runBench)
  if (!summary) process.exit(1)
  process.stdout.write(`${summaryLine(summary)}\n`)
  // Errors, non-2xx or wrong introspection answers make the run a failure, not just a slow one.
  process.exit(summary.errors > 0 ? 1 : 0)
}

void main()
