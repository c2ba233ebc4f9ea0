import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { onClose } from './resources.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface ServiceProcess {
  child: ChildProcess
  output: () => string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
}

/**
 * Runs `src/main.ts` (or another entry: node flags, then the script) as a real child process with
 * exactly `env` (plus PATH/HOME), as an operator would.
 */
export function runService(env: Record<string, string>, entry: string[] = ['src/main.ts']): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += String(chunk)))
  child.stderr!.on('data', (chunk) => (output += String(chunk)))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  onClose(child, (c) => {
    if (c.exitCode === null) c.kill('SIGKILL')
  })
  return { child, output: () => output, exited }
}

/** Waits until the service logs that it listens (or exits, or the time is up). */
export async function waitForListening(service: ServiceProcess, timeoutMs = 30_000, marker = 'sessiond listening'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (service.output().includes(marker)) return
    if (service.child.exitCode !== null) throw new Error(`service exited: ${service.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`service did not start: ${service.output()}`)
}
