// The scale run's figures, each against the issue's target, for the table, latest.json and the summary line.
import type { LoadResult } from './load.js'
import { loadRow, type TableRow } from './report.js'
import type { ScaleMeasurements } from './scale.js'

export interface ScaleFigure {
  name: string
  value: number | null
  /** What the issue asks of it, in words; `met` is null where it sets none (a figure to watch). */
  target: string
  met: boolean | null
}

const within = (ratio: number, tolerance: number) => Math.abs(ratio - 1) <= tolerance

export function scaleFigures(small: { introspect_hot: LoadResult; refresh: LoadResult; login: LoadResult }, m: ScaleMeasurements): ScaleFigure[] {
  const hot = m.introspect_hot.reqPerSec / small.introspect_hot.reqPerSec
  const refresh = m.refresh.reqPerSec / small.refresh.reqPerSec
  const login = m.login.reqPerSec / small.login.reqPerSec
  return [
    { name: 'seed_seconds', value: m.seed.seconds, target: 'bulk (INSERT … SELECT generate_series)', met: null },
    { name: 'hot_vs_small', value: hot, target: 'within 10 % of the small ledger', met: within(hot, 0.1) },
    { name: 'refresh_vs_small', value: refresh, target: 'within 20 %', met: within(refresh, 0.2) },
    { name: 'login_vs_small', value: login, target: 'within 20 %', met: within(login, 0.2) },
    { name: 'me_sessions_p99_ms', value: m.me_sessions.p99Ms, target: `< 50 ms (${m.me_sessions.sessionsListed} sessions, ${m.me_sessions.connections} connections)`, met: m.me_sessions.p99Ms < 50 && m.me_sessions.non2xx === 0 },
    { name: 'rebuild_ms', value: m.rebuild.ms, target: `< 2000 ms (${m.rebuild.denylistSize} entries)`, met: m.rebuild.ms !== null && m.rebuild.ms < 2000 },
    { name: 'rebuild_wrong_answers', value: m.rebuild.revokedAnsweredActive, target: '0 (no active: true for a revoked session)', met: m.rebuild.revokedAnsweredActive === 0 },
    { name: 'cleanup_seconds', value: m.cleanup.seconds, target: `${m.cleanup.deleted ?? '?'} expired sessions deleted`, met: null },
    { name: 'cleanup_refresh_p99_ms', value: m.cleanup.during.p99Ms, target: `p99 during the pass (${m.cleanup.before.p99Ms.toFixed(1)} ms just before)`, met: null },
    { name: 'resident_mib', value: m.residentMemoryMiB.end, target: `instance RSS at the end (${m.residentMemoryMiB.beforeSeed.toFixed(0)} MiB before the seed)`, met: null },
  ]
}

export function scaleRows(m: ScaleMeasurements, bareReqPerSec: number): TableRow[] {
  return [
    loadRow('scale_rebuild_introspect', m.rebuild.during, bareReqPerSec, `during the rebuild: ${m.rebuild.ms?.toFixed(0) ?? 'not complete'} ms`),
    loadRow('scale_introspect_hot', m.introspect_hot, bareReqPerSec, '10⁶ sessions, 10⁵ in the denylist'),
    loadRow('scale_refresh', m.refresh, bareReqPerSec),
    loadRow('scale_login', m.login, bareReqPerSec),
    loadRow('scale_me_sessions', m.me_sessions, bareReqPerSec, `${m.me_sessions.sessionsListed} sessions listed, ${m.me_sessions.connections} connections`),
    loadRow('scale_refresh_before_cleanup', m.cleanup.before, bareReqPerSec),
    loadRow('scale_refresh_during_cleanup', m.cleanup.during, bareReqPerSec, `${m.cleanup.deleted ?? '?'} sessions deleted in ${m.cleanup.seconds.toFixed(1)} s`),
  ]
}

/** Errors, non-2xx and wrong answers over the scale scenarios. */
export function scaleErrors(m: ScaleMeasurements): number {
  const runs = [m.rebuild.during, m.introspect_hot, m.refresh, m.login, m.me_sessions, m.cleanup.before, m.cleanup.during]
  return runs.reduce((sum, r) => sum + r.errors + r.non2xx + r.mismatches, 0)
}

export const scaleLine = (figures: ScaleFigure[]) =>
  `scale: ${figures.map((f) => `${f.name}=${f.value === null ? 'n/a' : f.value.toFixed(2)}${f.met === false ? '(MISSED)' : ''}`).join(' ')}`
