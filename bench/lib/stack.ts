// The processes a bench run loads: a bare Hono baseline and sessiond in real mode on a fresh database and
// its own Redis key prefix, each registered for cleanup as soon as it runs. Shared by run.ts and profile.ts.
import { randomBytes } from 'node:crypto'
import { generatePrivateKeyPem } from '../../src/services/keys.js'
import { freePort, startChildServer, type ChildServer } from './children.js'
import { REDIS_URL, createDatabase, deleteRedisKeys } from './infra.js'
import { basicAuthHeader } from './scenarios.js'

export const INTROSPECTION_CLIENT_ID = 'bench'

const started = performance.now()

export function log(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`)
}

/** Undo steps, run last-registered first, each at most once, whatever happened before. */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = []

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run })
  }

  async runAll(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run()
        log(`cleanup: ${step.name}`)
      } catch (error) {
        log(`cleanup: ${step.name} FAILED: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
}

export interface Stack {
  bare: ChildServer
  sessiond: ChildServer
  privateKeyPem: string
  introspectAuth: string
  databaseUrl: string
  redisPrefix: string
}

export interface StackOptions {
  /** Extra node flags for sessiond (e.g. --cpu-prof). */
  sessiondNodeArgs?: string[]
  /** Extra environment for sessiond. */
  sessiondEnv?: Record<string, string>
}

export async function startStack(cleanup: Cleanup, runId: string, options: StackOptions = {}): Promise<Stack> {
  const database = await createDatabase(`sessiond_bench_${runId}`)
  cleanup.add(`drop database ${database.name}`, database.drop)
  const redisPrefix = `sessiond-bench:${runId}:`
  cleanup.add(`delete redis keys ${redisPrefix}*`, () => deleteRedisKeys(redisPrefix))

  const privateKeyPem = generatePrivateKeyPem()
  const clientSecret = randomBytes(30).toString('base64url') // 40 characters
  const [barePort, sessiondPort] = [await freePort(), await freePort()]

  const bare = await startChildServer({
    name: 'bare',
    script: 'bench/bare-server.ts',
    env: { PORT: String(barePort) },
    port: barePort,
    readyText: 'bare listening',
  })
  cleanup.add(`stop bare (pid ${bare.pid})`, bare.stop)
  const sessiond = await startChildServer({
    name: 'sessiond',
    script: 'src/main.ts',
    nodeArgs: options.sessiondNodeArgs,
    port: sessiondPort,
    env: {
      PORT: String(sessiondPort),
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: redisPrefix,
      JWT_PRIVATE_KEY: privateKeyPem,
      INTROSPECTION_CLIENTS: `${INTROSPECTION_CLIENT_ID}:${clientSecret}`,
      LOG_LEVEL: 'warn',
      // The bench signs up its users from distinct (documentation-range) addresses in X-Forwarded-For:
      // the per-IP sign-up budget counts every attempt, and one loopback address would spend it.
      TRUST_PROXY: 'loopback',
      ...options.sessiondEnv,
    },
    readyText: 'sessiond listening',
    // "sessiond listening" is an info line, silenced by LOG_LEVEL=warn: /healthz tells us instead.
    readyPath: '/healthz',
  })
  cleanup.add(`stop sessiond (pid ${sessiond.pid})`, sessiond.stop)
  log(`bare pid ${bare.pid} on :${barePort}, sessiond pid ${sessiond.pid} on :${sessiondPort}, database ${database.name}`)
  return {
    bare,
    sessiond,
    privateKeyPem,
    introspectAuth: basicAuthHeader(INTROSPECTION_CLIENT_ID, clientSecret),
    databaseUrl: database.url,
    redisPrefix,
  }
}

/** Runs `body` with cleanup on every exit path (Ctrl-C, a crash inside a load callback, success). */
export async function withCleanup<T>(body: (cleanup: Cleanup) => Promise<T>): Promise<T | null> {
  const cleanup = new Cleanup()
  const abort = (reason: string, code: number) => {
    log(`aborting: ${reason}`)
    void cleanup.runAll().finally(() => process.exit(code))
  }
  process.once('SIGINT', () => abort('SIGINT', 130))
  process.once('SIGTERM', () => abort('SIGTERM', 143))
  process.once('uncaughtException', (error) => abort(error.stack ?? error.message, 1))
  try {
    return await body(cleanup)
  } catch (error) {
    log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return null
  } finally {
    await cleanup.runAll()
  }
}
