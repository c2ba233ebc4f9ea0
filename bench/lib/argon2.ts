// The ceiling for /login: raw argon2id verifies with sessiond's parameters and concurrency cap, measured
// in this process (idle by then) so "login ÷ argon2" shows what the rest of a login costs.
import argon2 from 'argon2'
import { hostCpu } from './children.js'
import { percentile } from './load.js'

export interface Argon2Params {
  memoryCost: number
  timeCost: number
  parallelism: number
}

export interface Argon2Result {
  verifies: number
  seconds: number
  verifiesPerSec: number
  p50Ms: number
  p99Ms: number
  cpuUsPerVerify: number
  /** All cores' busy time in % of capacity meanwhile (see LoadResult.hostBusyPct). */
  hostBusyPct: number
}

/** `concurrency` workers verify back to back (like PASSWORD_HASH_CONCURRENCY slots), warm-up first. */
export async function measureArgon2Verify(options: {
  params: Argon2Params
  concurrency: number
  warmupSeconds: number
  seconds: number
}): Promise<Argon2Result> {
  const password = 'bench-argon2-password-0123456789'
  const hash = await argon2.hash(password, { type: argon2.argon2id, ...options.params })

  const loop = async (seconds: number, latencies: number[]) => {
    const deadline = performance.now() + seconds * 1000
    const worker = async () => {
      while (performance.now() < deadline) {
        const started = performance.now()
        if (!(await argon2.verify(hash, password))) throw new Error('argon2 verify failed')
        latencies.push(performance.now() - started)
      }
    }
    await Promise.all(Array.from({ length: options.concurrency }, worker))
  }

  await loop(options.warmupSeconds, [])
  const latencies: number[] = []
  const cpuBefore = process.cpuUsage()
  const hostBefore = hostCpu()
  const started = performance.now()
  await loop(options.seconds, latencies)
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const hostAfter = hostCpu()
  return {
    verifies: latencies.length,
    seconds,
    verifiesPerSec: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuUsPerVerify: (cpu.user + cpu.system) / latencies.length,
    hostBusyPct: ((hostAfter.busy - hostBefore.busy) / (hostAfter.total - hostBefore.total)) * 100,
  }
}
