import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './process.js'
import { onClose } from './resources.js'

export interface PgBouncer {
  port: number
  /** `url` (a direct Postgres URL) pointed at the pooler instead: same credentials, database and query. */
  urlFor(url: string): string
  /** A database name behind the pooler whose server is down (nothing listens on its port). */
  deadDatabase: string
  log(): string
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

/**
 * Debian's pgbouncer in transaction mode on a spare loopback port, in front of the test Postgres
 * (`upstreamPort`), stopped when the test file ends. It refuses to run as root, so as root (CI) it
 * drops to the postgres user.
 */
export async function startPgBouncer(upstreamPort = 5432): Promise<PgBouncer> {
  const port = await freePort()
  const deadPort = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-pgbouncer-'))
  chmodSync(dir, 0o755)
  const ini = join(dir, 'pgbouncer.ini')
  writeFileSync(join(dir, 'userlist.txt'), '"postgres" ""\n', { mode: 0o644 })
  writeFileSync(
    ini,
    [
      '[databases]',
      `pgb_dead = host=127.0.0.1 port=${deadPort} dbname=postgres`,
      `* = host=127.0.0.1 port=${upstreamPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'default_pool_size = 5',
      'max_client_conn = 200',
      // The defaults, said out loud: a client waits this long for a server that is down.
      'query_wait_timeout = 120',
      'server_connect_timeout = 15',
      '',
    ].join('\n'),
    { mode: 0o644 },
  )
  const asRoot = process.getuid?.() === 0
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  const binary = existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer'
  const child: ChildProcess = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), ini], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout!.on('data', (chunk) => (log += String(chunk)))
  child.stderr!.on('data', (chunk) => (log += String(chunk)))
  onClose(child, async (c) => {
    if (c.exitCode === null) {
      const exited = new Promise((resolve) => c.once('exit', resolve))
      c.kill('SIGKILL')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })
  for (let attempt = 0; attempt < 100 && !(await accepting(port)); attempt += 1) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited: ${log}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (!(await accepting(port))) throw new Error(`pgbouncer did not start: ${log}`)
  return {
    port,
    deadDatabase: 'pgb_dead',
    urlFor(url) {
      const parsed = new URL(url)
      parsed.hostname = '127.0.0.1'
      parsed.port = String(port)
      return parsed.toString()
    },
    log: () => log,
  }
}
