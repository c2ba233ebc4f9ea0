import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RATE_LIMIT_POLICY, type LimitName } from '../src/services/rate-limits.js'

// The README's rate-limit table states the policy in prose: this keeps its numbers those of the code.
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const section = README.slice(README.indexOf('### Rate limits'), README.indexOf('### Webhooks'))
const rows = section
  .split('\n')
  .filter((line) => line.startsWith('| ') && !line.startsWith('| budget'))
  .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))

/** Each policy line and the first cell of the README row that describes it. */
const ROW: Record<LimitName, string> = {
  loginPerIp: 'failed logins',
  loginPerAccountAndIp: 'consecutive failed logins (a success resets it)',
  loginPerAccount: 'failed logins from anywhere (slows a distributed attack)',
  loginPerDevice: 'consecutive failed logins from a known device (a success resets it)',
  registerPerIp: 'sign-up attempts, accounts created included',
  refreshPerIp: 'failed `/refresh` or `/logout`',
  passwordPerAccount: 'wrong password at `/me/password`, `/me/reauthenticate`',
  clientPerIp: 'failed client auth at `/introspect` and `/revocations/stream`, bad keys at `/admin` and `/metrics`',
}

const duration = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600} h` : `${seconds / 60} min`)

describe('README rate-limit table', () => {
  it('has one row per policy line', () => {
    expect(rows).toHaveLength(Object.keys(RATE_LIMIT_POLICY).length)
  })

  it.each(Object.entries(RATE_LIMIT_POLICY) as [LimitName, (typeof RATE_LIMIT_POLICY)[LimitName]][])('%s matches the code', (name, policy) => {
    const row = rows.find((cells) => cells[0] === ROW[name])
    expect(row, `no README row "${ROW[name]}"`).toBeDefined()
    expect(row!.slice(2)).toEqual([String(policy.points), duration(policy.durationS), duration(policy.blockS)])
  })
})
