import type { Argon2Result } from './argon2.js'
import type { LoadResult } from './load.js'

export interface TableRow {
  scenario: string
  'req/s': string
  'p50 ms': string
  'p99 ms': string
  errors: string
  non2xx: string
  mismatch: string
  'cpu µs/req': string
  'vs bare': string
  'loader cpu': string
  'host busy': string
  note: string
}

export function loadRow(scenario: string, result: LoadResult, bareReqPerSec: number, note = ''): TableRow {
  const codes = Object.entries(result.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, count]) => `${code}×${count}`)
  return {
    scenario,
    'req/s': result.reqPerSec.toFixed(0),
    'p50 ms': result.p50Ms.toFixed(2),
    'p99 ms': result.p99Ms.toFixed(2),
    errors: String(result.errors),
    non2xx: String(result.non2xx),
    mismatch: String(result.mismatches),
    'cpu µs/req': result.serverCpuUsPerReq.toFixed(0),
    'vs bare': (result.reqPerSec / bareReqPerSec).toFixed(2),
    'loader cpu': `${result.loaderCpuPct.toFixed(0)}%`,
    'host busy': `${result.hostBusyPct.toFixed(0)}%`,
    note: [note, codes.length > 0 ? `non-2xx: ${codes.join(' ')}` : ''].filter(Boolean).join('; '),
  }
}

export function argon2Row(result: Argon2Result, note: string): TableRow {
  return {
    scenario: 'argon2_verify',
    'req/s': result.verifiesPerSec.toFixed(1),
    'p50 ms': result.p50Ms.toFixed(2),
    'p99 ms': result.p99Ms.toFixed(2),
    errors: '0',
    non2xx: '-',
    mismatch: '-',
    'cpu µs/req': result.cpuUsPerVerify.toFixed(0),
    'vs bare': '-',
    'loader cpu': '-',
    'host busy': `${result.hostBusyPct.toFixed(0)}%`,
    note,
  }
}

/** Left-aligned first and last columns, right-aligned numbers, one space-padded line per row. */
export function formatTable(rows: TableRow[]): string {
  const columns = Object.keys(rows[0]!) as (keyof TableRow)[]
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)))
  const leftAligned = (column: keyof TableRow) => column === 'scenario' || column === 'note'
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (leftAligned(columns[i]!) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  const header = line(columns)
  return [header, '-'.repeat(header.length), ...rows.map((row) => line(columns.map((column) => row[column])))].join('\n')
}
