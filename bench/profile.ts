// `npx tsx bench/profile.ts [seconds]`: hot /introspect load against sessiond running under
// `node --cpu-prof`, then the functions with the most self time. The profile file is kept in
// bench/results/ for Chrome DevTools or speedscope. Bounded: 256 tokens, `seconds` (default 10, max 60).
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './lib/children.js'
import { loginMany, registerUsers } from './lib/fixtures.js'
import { runLoad } from './lib/load.js'
import { introspectRequests } from './lib/scenarios.js'
import { log, startStack, withCleanup } from './lib/stack.js'

const seconds = Math.min(60, Math.max(1, Number(process.argv[2] ?? 10)))
const PROFILE_DIR = join(ROOT, 'bench', 'results', `profile-${Date.now()}`)

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

/** Self time per function (name + file:line), as a share of all samples. */
function topFunctions(file: string, count: number): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] }
  const totals = new Map<string, number>()
  let all = 0
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0
    all += hits
    const { functionName, url, lineNumber } = node.callFrame
    const where = url ? `${url.replace(/^.*node_modules\//, '').replace(`file://${ROOT}`, '')}:${lineNumber + 1}` : ''
    const name = `${functionName || '(anonymous)'} ${where}`.trim()
    totals.set(name, (totals.get(name) ?? 0) + hits)
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, hits]) => `${((hits / all) * 100).toFixed(1).padStart(5)}%  ${name}`)
}

async function main(): Promise<void> {
  mkdirSync(PROFILE_DIR, { recursive: true })
  const result = await withCleanup(async (cleanup) => {
    const stack = await startStack(cleanup, String(Date.now()), { sessiondNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] })
    const users = await registerUsers(stack.sessiond.baseUrl, 8, 4, 'profile')
    const sessions = await loginMany(stack.sessiond.baseUrl, users, 256, 4)
    const items = sessions.map((s) => ({ token: s.accessToken, active: true }))
    const check = { mismatches: 0 }
    const requests = introspectRequests(items, stack.introspectAuth, check)
    const load = await runLoad(stack.sessiond, { warmup: { requests, seconds: 2 }, measured: { requests, seconds } })
    log(`hot: ${load.reqPerSec.toFixed(0)} req/s, ${load.serverCpuUsPerReq.toFixed(0)} µs CPU/req, p99 ${load.p99Ms.toFixed(2)} ms, mismatches ${check.mismatches}`)
    await stack.sessiond.stop() // SIGTERM: sessiond exits normally and node writes the profile
    return load
  })
  if (!result) process.exit(1)
  // tsx's loader runs in a worker thread that writes a profile of its own: the main thread's is the largest.
  const file = readdirSync(PROFILE_DIR)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort((a, b) => statSync(join(PROFILE_DIR, b)).size - statSync(join(PROFILE_DIR, a)).size)[0]
  if (!file) throw new Error(`no profile written in ${PROFILE_DIR}`)
  process.stdout.write(`${join(PROFILE_DIR, file)} (whole process: set-up and logins included)\n${topFunctions(join(PROFILE_DIR, file), 40).join('\n')}\n`)
}

void main()
