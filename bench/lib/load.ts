// One scenario = an unrecorded warm-up run, then a measured run against the same child process.
import autocannon from 'autocannon'
import { hostCpu, processCpuMicros, sleep } from './children.js'

export const CONNECTIONS = 50
/** Seconds before autocannon gives up on one request and counts it as an error (a timeout). */
const REQUEST_TIMEOUT_SECONDS = 10

export interface Target {
  baseUrl: string
  pid: number
}

/** One autocannon run: a fixed duration, or a fixed number of requests (so a pool of one-shot tokens is used exactly once). */
export type Phase = {
  requests: autocannon.Request[]
  connections?: number
  /** Ends the run early when it settles (`seconds` is then the longest it may last). */
  until?: Promise<unknown>
} & ({ seconds: number } | { amount: number })

export interface LoadPlan {
  warmup: Phase
  measured: Phase
  /** Between the two runs: reset counters, return what the warm-up left checked out. */
  afterWarmup?: () => void
  /** Wrong answers seen by the scenario's own onResponse checks during the measured run. */
  mismatches?: () => number
}

export interface LoadResult {
  requests: number
  seconds: number
  /** Mean over the measured run: completed requests ÷ its duration. */
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  /** Socket errors and timeouts (autocannon counts timeouts as errors too). */
  errors: number
  timeouts: number
  non2xx: number
  statusCodes: Record<string, number>
  mismatches: number
  /** Server user+system CPU during the measured run, per completed request. */
  serverCpuUsPerReq: number
  /** The load generator's own CPU as % of one core: near 100 means it, not the server, was the limit. */
  loaderCpuPct: number
  /** All cores' busy time as % of their capacity during the measured run (server, loader, Postgres, Redis, and anything else). */
  hostBusyPct: number
  /** Cores' time taken by the hypervisor for others, in % of capacity: noise this VM cannot see otherwise. */
  hostStealPct: number
}

/** Bounds of the pause between warm-up and measured run. */
const SETTLE_MIN_MS = 200
const SETTLE_MAX_MS = 5000

export async function runLoad(target: Target, plan: LoadPlan): Promise<LoadResult> {
  const warm = await runPhase(target, plan.warmup)
  // autocannon abandons the requests in flight when a run ends, but the server still works through them
  // (for /login: up to 50 queued argon2 verifies). Measuring at once would stack a second full load on that
  // backlog (overflowing the password-hash queue into 503s) and bill its CPU to the measured run.
  await sleep(Math.min(SETTLE_MAX_MS, Math.max(SETTLE_MIN_MS, 2 * percentile(warm.latencies, 0.99))))
  plan.afterWarmup?.()
  return measurePhase(target, plan.measured, plan.mismatches)
}

/** One measured run, no warm-up: for phases that must start at a given moment (during a rebuild, a cleanup). */
export async function measurePhase(target: Target, phase: Phase, mismatches?: () => number): Promise<LoadResult> {
  const serverCpuBefore = processCpuMicros(target.pid)
  const loaderCpuBefore = process.cpuUsage()
  const hostBefore = hostCpu()
  const { result, latencies } = await runPhase(target, phase)
  const hostAfter = hostCpu()
  const loaderCpu = process.cpuUsage(loaderCpuBefore)
  const serverCpuMicros = processCpuMicros(target.pid) - serverCpuBefore
  const hostTotal = hostAfter.total - hostBefore.total

  const requests = result.requests.total
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]))
  return {
    requests,
    seconds: result.duration,
    reqPerSec: requests / result.duration,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    mismatches: mismatches?.() ?? 0,
    serverCpuUsPerReq: requests > 0 ? serverCpuMicros / requests : 0,
    loaderCpuPct: ((loaderCpu.user + loaderCpu.system) / 1e6 / result.duration) * 100,
    hostBusyPct: hostTotal > 0 ? ((hostAfter.busy - hostBefore.busy) / hostTotal) * 100 : 0,
    hostStealPct: hostTotal > 0 ? ((hostAfter.steal - hostBefore.steal) / hostTotal) * 100 : 0,
  }
}

async function runPhase(target: Target, phase: Phase) {
  const instance = autocannon({
    url: target.baseUrl,
    connections: phase.connections ?? CONNECTIONS,
    pipelining: 1,
    timeout: REQUEST_TIMEOUT_SECONDS,
    requests: phase.requests,
    ...('amount' in phase ? { amount: phase.amount } : { duration: phase.seconds }),
  })
  // autocannon's own histogram stores whole milliseconds; keep the exact (sub-ms) latencies instead.
  const latencies: number[] = []
  void phase.until?.finally(() => instance.stop())
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
    latencies.push(responseTimeMs)
  })
  const result = await instance
  return { result, latencies }
}

/** Nearest-rank percentile (q in 0..1) of unsorted values. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0
  const sorted = Float64Array.from(values).sort()
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}
