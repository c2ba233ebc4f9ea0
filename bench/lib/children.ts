import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

/** The repository root, whatever directory `npm run bench` was started from. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** How much of a child's output to keep for error messages. */
const OUTPUT_TAIL_CHARS = 64 * 1024

export interface ChildServer {
  name: string
  pid: number
  baseUrl: string
  output: () => string
  stop: () => Promise<void>
}

export interface StartOptions {
  name: string
  /** A TypeScript entry point relative to ROOT, run as `node --import tsx <script>`. */
  script: string
  /** Extra node flags before the script (e.g. --cpu-prof). */
  nodeArgs?: string[]
  env: Record<string, string>
  port: number
  /** Ready when stdout/stderr contains this text... */
  readyText: string
  /** ...or when GET readyPath answers 200 (sessiond at LOG_LEVEL=warn never prints its info-level "listening" line). */
  readyPath?: string
  timeoutMs?: number
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** Starts a server as a child process with exactly `env` (plus PATH/HOME) and waits until it is ready. */
export async function startChildServer(options: StartOptions): Promise<ChildServer> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS)
  }
  // Always drain both pipes: a full pipe would block the child mid-benchmark.
  child.stdout!.on('data', append)
  child.stderr!.on('data', append)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  const server: ChildServer = {
    name: options.name,
    pid: child.pid!,
    baseUrl: `http://127.0.0.1:${options.port}`,
    output: () => output,
    stop: () => stopChild(child, exited),
  }
  try {
    await waitUntilReady(child, server, options)
  } catch (error) {
    await server.stop()
    throw error
  }
  return server
}

async function waitUntilReady(child: ChildProcess, server: ChildServer, options: StartOptions): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  while (Date.now() < deadline) {
    if (server.output().includes(options.readyText)) return
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited during start-up:\n${server.output()}`)
    }
    if (options.readyPath && (await answers200(`${server.baseUrl}${options.readyPath}`))) return
    await sleep(100)
  }
  throw new Error(`${options.name} was not ready within ${options.timeoutMs ?? 30_000} ms:\n${server.output()}`)
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) })
    await response.arrayBuffer()
    return response.status === 200
  } catch {
    return false
  }
}

/** SIGTERM (sessiond drains), then SIGKILL if it has not exited after a few seconds. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100
  } catch {
    return 100
  }
})()

/**
 * CPU time (user + system, all threads, including libuv's pool where argon2 runs) a process has used,
 * in microseconds, from /proc/<pid>/stat.
 */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Field 2 (comm) is in parentheses and may contain spaces: split after the last ')'.
  // What follows starts at field 3 (state); utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[14 - 3])
  const stime = Number(fields[15 - 3])
  return ((utime + stime) * 1_000_000) / CLOCK_TICKS_PER_SECOND
}

export interface HostCpu {
  /** Microseconds of CPU time, summed over all cores. */
  busy: number
  total: number
  /** Time the hypervisor gave this VM's vCPUs to someone else. */
  steal: number
}

/** Machine-wide CPU counters from /proc/stat: shows whether other work competed with a measured run. */
export function hostCpu(): HostCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[]
  const toMicros = (ticks: number) => (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND
  const busy = user! + nice! + system! + irq! + softirq! + steal!
  return { busy: toMicros(busy), total: toMicros(busy + idle! + iowait!), steal: toMicros(steal!) }
}
