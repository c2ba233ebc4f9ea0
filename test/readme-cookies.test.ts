import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../src/clock.js'
import { buildTestApp, listen, uniqueEmail } from './support/app.js'
import { onClose } from './support/resources.js'

// The README's curl walk-through of the cookie transport, run for real: its exact commands, with
// cookie jars in a temp dir, against the app on a loopback port. Each command's output must match
// the README's own comment on it (`# → …` on the next line, `…` standing for anything, or `# value`
// at the end of the line).

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const HEADING = '#### Try it with curl (localhost)'
const block = (() => {
  const start = README.indexOf('```sh\n', README.indexOf(HEADING)) + '```sh\n'.length
  return README.slice(start, README.indexOf('\n```', start))
})()

interface Step {
  command: string
  /** What the README says the output is: a pattern, or nothing to say. */
  expected: RegExp | null
}

const pattern = (text: string) => new RegExp(`^${text.trim().split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's')

/** The block's commands (continuation lines joined) and the README's comment on each. */
function steps(text: string): Step[] {
  const result: Step[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!
    if (line.startsWith('# → ')) {
      result.at(-1)!.expected = pattern(line.slice('# → '.length))
      continue
    }
    if (line.startsWith('#') || line.trim() === '') continue
    while (line.endsWith('\\')) line = `${line.slice(0, -1)}${lines[++i]!}`
    const trailing = / # (\S.*)$/.exec(line)
    result.push({ command: trailing ? line.slice(0, trailing.index) : line, expected: trailing ? pattern(trailing[1]!) : null })
  }
  return result
}

const run = promisify(execFile)
const MARK = '@@@sessiond-readme-step@@@'

describe('README: the cookie transport with curl', () => {
  const walkThrough = steps(block)

  it('is there, and says what it shows', () => {
    expect(walkThrough.length).toBeGreaterThanOrEqual(10)
    expect(block).toContain("-H 'Sessiond-Transport: cookie'")
    expect(block).toContain('-c laptop.jar -b laptop.jar')
    expect(walkThrough.filter((step) => step.expected).length).toBeGreaterThanOrEqual(7)
  })

  it('runs as written and every output is what the README says', async () => {
    const { app } = await buildTestApp({ clock: systemClock })
    const port = new URL(await listen(app)).port
    const dir = onClose(mkdtempSync(join(tmpdir(), 'sessiond-readme-')), (path) => rmSync(path, { recursive: true, force: true }))
    const email = uniqueEmail()
    // One shell, as a reader would paste it: variables (PHONE) carry over. A mark after each command splits the output.
    const script = walkThrough
      .map((step) => `${step.command.replaceAll('localhost:3000', `localhost:${port}`).replaceAll('grace@example.com', email)}\nprintf '\\n${MARK}\\n'`)
      .join('\n')
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, timeout: 30_000 })
    const outputs = stdout.split(`\n${MARK}\n`).slice(0, walkThrough.length)
    expect(outputs).toHaveLength(walkThrough.length)
    walkThrough.forEach((step, i) => {
      if (step.expected) expect(outputs[i]!.trim(), step.command).toMatch(step.expected)
    })

    // And what the comments do not spell out: the jars hold the session cookies, no output holds a token.
    const jar = readFileSync(join(dir, 'laptop.jar'), 'utf8')
    const tokens = jar
      .split('\n')
      .map((line) => line.split('\t'))
      .filter((fields) => fields[5] === '__Host-sessiond_access' || fields[5] === '__Host-sessiond_refresh')
      .map((fields) => fields[6]!)
    expect(tokens).toHaveLength(2)
    for (const token of tokens) expect(stdout).not.toContain(token)
    const listed = JSON.parse(outputs[walkThrough.findIndex((step) => step.command.includes('/me/sessions -c laptop'))]!)
    expect(listed.sessions.map((session: { device: string }) => session.device).sort()).toEqual(['Chrome 131 on macOS', 'Safari on iOS'])
  }, 60_000)
})
