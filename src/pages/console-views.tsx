import type { Child } from 'hono/jsx'
import { OVERVIEW_SERIES, type Overview } from '../services/console-overview.js'
import type { EndedView, EventView, SessionView } from './account-views.js'
import { HourlyChart, SERIES_LABELS, hourLabel } from './console-chart.js'
import { DeviceIcon } from './device-icon.js'
import { EndedSessions, SessionItem } from './session-items.js'
import { Layout, StatusRegion, type StatusMessage } from './layout.js'
import type { Note } from './notes.js'
import { Address, ConfirmOrCancel, Location, Meta, PasswordField } from './parts.js'
import { AbsoluteTime, RelativeTime, durationWords } from './time.js'
import { eventWords, isWarningEvent } from './words.js'

/**
 * The operators' console pages: overview, user search, a user's page, the audit log, and the
 * confirming step every change goes through. Plain forms and links (no script); every recorded value
 * (emails, device labels, reasons, addresses) is a JSX child or attribute, so it is rendered as text.
 */

export const CONSOLE_BRAND = { href: '/console', label: 'sessiond console' }

export type ConsoleSection = 'overview' | 'users' | 'audit'

const SECTIONS: Array<{ section: ConsoleSection; href: string; label: string }> = [
  { section: 'overview', href: '/console', label: 'Overview' },
  { section: 'users', href: '/console/users', label: 'Users' },
  { section: 'audit', href: '/console/audit', label: 'Audit log' },
]

/** The admin's own sign-out of the console: a button named exactly "Sign out". */
function ConsoleSignOut({ email }: { email: string }) {
  return (
    <div class="header-who">
      <span class="header-email">{email}</span>
      <form class="inline-form" method="post" action="/console/sign-out">
        <button class="button button-small" type="submit">
          Sign out
        </button>
      </form>
    </div>
  )
}

interface FrameProps {
  title: string
  admin: string
  section: ConsoleSection
  note: Note | StatusMessage | null
  children?: Child
}

function ConsoleFrame({ title, admin, section, note, children }: FrameProps) {
  return (
    <Layout title={`${title} · console`} home={CONSOLE_BRAND} wide headerActions={<ConsoleSignOut email={admin} />}>
      <nav class="tabs" aria-label="Console">
        <ul>
          {SECTIONS.map((item) => (
            <li>
              <a href={item.href} aria-current={item.section === section ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <StatusRegion id="console-status" message={note} />
      {children}
    </Layout>
  )
}

export interface OverviewPageProps {
  admin: string
  note: Note | null
  overview: Overview
}

/** `/console`: sessions active now, and the last day's security events per hour as charts. */
export function OverviewPage({ admin, note, overview }: OverviewPageProps) {
  const { hours } = overview
  return (
    <ConsoleFrame title="Overview" admin={admin} section="overview" note={note}>
      <h1>Overview</h1>
      <section class="card" aria-labelledby="now-title">
        <h2 id="now-title">Right now</h2>
        <p class="big-number">
          <strong>{String(overview.activeSessions)}</strong> active {overview.activeSessions === 1 ? 'session' : 'sessions'}
        </p>
        <p class="meta">
          As of <AbsoluteTime at={overview.at} />. Console sessions included.
        </p>
      </section>
      <section class="card" aria-labelledby="day-title">
        <h2 id="day-title">Last 24 hours</h2>
        <p class="card-intro">Security events per hour (UTC), each chart on its own scale; the last bar is the hour in progress. Failed sign-ins count wrong passwords for existing accounts.</p>
        <div class="charts">
          {OVERVIEW_SERIES.map((series) => (
            <HourlyChart series={series} hours={hours} />
          ))}
        </div>
        <details class="numbers">
          <summary>The numbers, hour by hour</summary>
          <div class="table-wrap">
            <table class="table">
              <caption class="visually-hidden">Security events per hour, last 24 hours</caption>
              <thead>
                <tr>
                  <th scope="col">Hour (UTC)</th>
                  {OVERVIEW_SERIES.map((series) => (
                    <th scope="col">{SERIES_LABELS[series]}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {hours.map((hour) => (
                  <tr>
                    <th scope="row">{hourLabel(hour.start)}</th>
                    {OVERVIEW_SERIES.map((series) => (
                      <td>{String(hour.counts[series])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>
      <section class="card card-danger" aria-labelledby="incident-title">
        <h2 id="incident-title">Incident response</h2>
        <p>Signs out every session of every user, for example after a leaked signing key. Your own console session stays signed in so that you can go on working.</p>
        <form method="get" action="/console/sign-out-everyone">
          <button class="button button-danger" type="submit">
            Sign out every user
          </button>
        </form>
      </section>
    </ConsoleFrame>
  )
}

export interface UserListItem {
  id: string
  email: string
  disabled: boolean
  admin: boolean
  createdAt: Date
}

export interface UsersPageProps {
  admin: string
  note: Note | null
  query: string
  users: UserListItem[]
  total: number
  nextHref: string | null
  paged: boolean
  firstHref: string
  error: string | null
}

function UserBadges({ disabled, admin }: { disabled: boolean; admin: boolean }) {
  return (
    <>
      {disabled ? <span class="badge badge-danger">Disabled</span> : <span class="badge">Active</span>}
      {admin ? <span class="badge badge-muted">Admin</span> : null}
    </>
  )
}

/** `/console/users`: search by e-mail prefix, a page of matches, the total, next page. */
export function UsersPage({ admin, note, query, users, total, nextHref, paged, firstHref, error }: UsersPageProps) {
  return (
    <ConsoleFrame title="Users" admin={admin} section="users" note={note ?? (error ? { kind: 'error', text: error } : null)}>
      <h1>Users</h1>
      <section class="card" aria-labelledby="search-title">
        <h2 id="search-title" class="visually-hidden">
          Search users
        </h2>
        <form class="search" method="get" action="/console/users" role="search">
          <div class="field">
            <label for="search-email">Email starts with</label>
            <input id="search-email" name="email" type="text" inputmode="email" autocomplete="off" spellcheck={false} autocapitalize="none" maxlength={254} value={query} />
          </div>
          <button class="button button-primary" type="submit">
            Search users
          </button>
        </form>
        <p class="meta" id="results-count">
          {total === 1 ? '1 user' : `${total} users`}
          {query ? ` whose email starts with “${query}”` : ''}
        </p>
        {users.length === 0 ? (
          <p class="empty">{paged ? 'No more users.' : 'No user matches.'}</p>
        ) : (
          <div class="table-wrap">
            <table class="table" aria-describedby="results-count">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {users.map((user) => (
                  <tr>
                    <td>
                      <a class="email" href={`/console/users/${user.id}`}>
                        {user.email}
                      </a>
                    </td>
                    <td>
                      <UserBadges disabled={user.disabled} admin={user.admin} />
                    </td>
                    <td>
                      <AbsoluteTime at={user.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {nextHref || paged ? (
          <nav class="pager" aria-label="Result pages">
            {paged ? <a href={firstHref}>First page</a> : <span />}
            {nextHref ? <a href={nextHref}>Next page</a> : null}
          </nav>
        ) : null}
      </section>
    </ConsoleFrame>
  )
}

export interface UserPageProps {
  admin: string
  note: Note | null
  now: Date
  user: UserListItem & { disabledAt: Date | null }
  sessions: SessionView[]
  ended: EndedView[]
  events: EventView[]
  olderEventsHref: string | null
  retentionMs: number
}

/** `/console/users/:id`: status and actions, active sessions (each can be ended), ended ones, events. */
export function UserPage({ admin, note, now, user, sessions, ended, events, olderEventsHref, retentionMs }: UserPageProps) {
  const base = `/console/users/${user.id}`
  return (
    <ConsoleFrame title={user.email} admin={admin} section="users" note={note}>
      <p class="crumbs">
        <a href="/console/users">Users</a>
      </p>
      <div class="user-head">
        <h1 class="email">{user.email}</h1>
        <p class="badges">
          <UserBadges disabled={user.disabled} admin={user.admin} />
        </p>
      </div>
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title">Account</h2>
        <dl class="details">
          <dt>User id</dt>
          <dd class="mono">{user.id}</dd>
          <dt>Created</dt>
          <dd>
            <AbsoluteTime at={user.createdAt} />
          </dd>
          <dt>Status</dt>
          <dd>
            {user.disabledAt ? (
              <span>
                Disabled <AbsoluteTime at={user.disabledAt} />: cannot sign in
              </span>
            ) : (
              'Active'
            )}
          </dd>
          <dt>Role</dt>
          <dd>{user.admin ? 'Administrator (may sign in to this console)' : 'User'}</dd>
        </dl>
        <div class="actions">
          <form method="get" action={`${base}/${user.disabled ? 'enable' : 'disable'}`}>
            <button class={user.disabled ? 'button' : 'button button-danger-quiet'} type="submit">
              {user.disabled ? 'Enable account' : 'Disable account'}
            </button>
          </form>
          <form method="get" action={`${base}/delete`}>
            <button class="button button-danger-quiet" type="submit">
              Delete account
            </button>
          </form>
          <a class="button" href={`/console/audit?user=${user.id}`}>
            Audit log for this user
          </a>
        </div>
      </section>

      <section class="card" aria-labelledby="sessions-title">
        <div class="card-header">
          <h2 id="sessions-title">Active sessions</h2>
          <p class="meta">{sessions.length === 1 ? '1 active session' : `${sessions.length} active sessions`}</p>
        </div>
        <p class="card-intro">Locations are approximate: they are worked out from the IP address.</p>
        {sessions.length === 0 ? (
          <p class="empty">No active session.</p>
        ) : (
          <ul class="list sessions">
            {sessions.map((session) => (
              <SessionItem session={session} now={now} signOut={`${base}/sessions/${session.id}/sign-out`} showId />
            ))}
          </ul>
        )}
        {sessions.length > 0 ? (
          <form class="card-footer" method="get" action={`${base}/sign-out-all`}>
            <button class="button button-danger" type="submit">
              Sign out all sessions
            </button>
          </form>
        ) : null}
      </section>

      <EndedSessions ended={ended} now={now} retentionMs={retentionMs} />

      <section class="card" aria-labelledby="events-title">
        <h2 id="events-title">Security events</h2>
        {events.length === 0 ? (
          <p class="empty">No security event recorded.</p>
        ) : (
          <ol class="list events">
            {events.map((event) => (
              <li class={isWarningEvent(event.type) ? 'event event-warning' : 'event'}>
                <p class="event-title">
                  <span>{eventWords(event, event.subject)}</span>
                </p>
                <Meta
                  parts={[<RelativeTime at={event.at} now={now} />, ...(event.device ? [<span>{event.device}</span>] : []), <Location location={event.location} />, <Address ip={event.ip} />]}
                />
              </li>
            ))}
          </ol>
        )}
        {olderEventsHref ? (
          <nav class="pager" aria-label="Event pages">
            <span />
            <a href={olderEventsHref}>Older events</a>
          </nav>
        ) : null}
      </section>
    </ConsoleFrame>
  )
}

export interface AuditRow {
  id: string
  at: Date
  actor: string
  actorHref: string
  action: string
  target: { userId: string | null; email: string | null; sessionId: string | null }
  reason: string | null
  ip: string | null
}

export interface AuditPageProps {
  admin: string
  note: Note | null
  filters: { user: string; actor: string }
  entries: AuditRow[]
  olderHref: string | null
  paged: boolean
  firstHref: string
  error: string | null
}

/** `/console/audit`: every operator change, newest first, filtered by user and by actor. */
export function AuditPage({ admin, note, filters, entries, olderHref, paged, firstHref, error }: AuditPageProps) {
  return (
    <ConsoleFrame title="Audit log" admin={admin} section="audit" note={note ?? (error ? { kind: 'error', text: error } : null)}>
      <h1>Audit log</h1>
      <section class="card" aria-labelledby="audit-title">
        <h2 id="audit-title" class="visually-hidden">
          Entries
        </h2>
        <p class="card-intro">Every change made by an operator: from this console (by admin), the admin API (by key fingerprint) and the command line (cli).</p>
        <form class="search" method="get" action="/console/audit">
          <div class="field">
            <label for="audit-user">User (email or id)</label>
            <input id="audit-user" name="user" type="text" autocomplete="off" spellcheck={false} autocapitalize="none" maxlength={254} value={filters.user} />
          </div>
          <div class="field">
            <label for="audit-actor">Actor (admin email, key fingerprint or cli)</label>
            <input id="audit-actor" name="actor" type="text" autocomplete="off" spellcheck={false} autocapitalize="none" maxlength={254} value={filters.actor} />
          </div>
          <button class="button button-primary" type="submit">
            Filter
          </button>
        </form>
        {entries.length === 0 ? (
          <p class="empty">{paged ? 'No older entries.' : 'No entry matches.'}</p>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">User and session</th>
                  <th scope="col">Reason</th>
                  <th scope="col">IP</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <tr>
                    <td>
                      <AbsoluteTime at={entry.at} />
                    </td>
                    <td>
                      <a href={entry.actorHref}>{entry.actor}</a>
                    </td>
                    <td>{entry.action}</td>
                    <td>
                      {entry.target.userId ? (
                        entry.target.email ? (
                          <a class="email" href={`/console/users/${entry.target.userId}`}>
                            {entry.target.email}
                          </a>
                        ) : (
                          <span class="mono">{`${entry.target.userId} (deleted)`}</span>
                        )
                      ) : (
                        'Everyone'
                      )}
                      {entry.target.sessionId ? <span class="mono session-id">{`session ${entry.target.sessionId}`}</span> : null}
                    </td>
                    <td class="reason">{entry.reason ?? '—'}</td>
                    <td class="mono">{entry.ip ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {olderHref || paged ? (
          <nav class="pager" aria-label="Audit pages">
            {paged ? <a href={firstHref}>Newest entries</a> : <span />}
            {olderHref ? <a href={olderHref}>Older entries</a> : null}
          </nav>
        ) : null}
      </section>
    </ConsoleFrame>
  )
}

/** A console change's confirming step: what it does, to whom, and what it needs. */
export interface ConsoleActionView {
  question: string
  explanation: string
  /** The one session it ends, when it ends one. */
  session?: SessionView
  /** Where the form posts, and where Cancel leads. */
  action: string
  cancelHref: string
  /** Whether the operator may leave a note for the user (every revocation and account action). */
  reason: boolean
  /** A word or phrase to type before the change is made (delete, sign out every user). */
  typed?: { label: string; expected: string }
  /** A password proof is due (REAUTH_WINDOW has passed since the last one). */
  needsPassword: boolean
}

export interface ConsoleConfirmProps {
  admin: string
  view: ConsoleActionView
  now: Date
  windowMs: number
  message: StatusMessage | null
  /** What the operator typed, kept after a refused attempt (never the password). */
  values: { reason: string; typed: string }
  errors: { reason?: string; typed?: string; password?: string }
}

/** The confirming step: Reason (optional), the typed confirmation, the password when due; Confirm / Cancel. */
export function ConsoleConfirmPage({ admin, view, now, windowMs, message, values, errors }: ConsoleConfirmProps) {
  return (
    <Layout title={`${view.question} · console`} home={CONSOLE_BRAND} wide headerActions={<ConsoleSignOut email={admin} />}>
      <section class="card card-narrow" aria-labelledby="step-title">
        <h1 id="step-title">{view.question}</h1>
        <p>{view.explanation}</p>
        {view.session ? (
          <div class="summary">
            <DeviceIcon kind={view.session.kind} />
            <div>
              <p class="session-title">{view.session.device}</p>
              <Meta parts={[<Location location={view.session.location} />, <Address ip={view.session.ip} />]} />
              <Meta
                parts={[
                  <span>
                    Signed in <AbsoluteTime at={view.session.createdAt} />
                  </span>,
                  <span>
                    Last active <RelativeTime at={view.session.lastActiveAt} now={now} />
                  </span>,
                ]}
              />
              <p class="meta mono session-id">Session {view.session.id}</p>
            </div>
          </div>
        ) : null}
        <StatusRegion id="step-status" message={message} />
        <form class="form" method="post" action={view.action}>
          {view.reason ? (
            <div class="field">
              <label for="reason">Reason</label>
              <textarea id="reason" name="reason" rows={3} maxlength={500} aria-describedby={errors.reason ? 'reason-hint reason-error' : 'reason-hint'} aria-invalid={errors.reason ? 'true' : undefined}>
                {values.reason}
              </textarea>
              <p id="reason-hint" class="field-hint">
                Optional, up to 500 characters. The user sees it with the ended session and in their security activity.
              </p>
              {errors.reason ? (
                <p id="reason-error" class="field-error">
                  {errors.reason}
                </p>
              ) : null}
            </div>
          ) : null}
          {view.typed ? (
            <div class="field">
              <label for="typed">{view.typed.label}</label>
              <input
                id="typed"
                name="typed"
                type="text"
                autocomplete="off"
                spellcheck={false}
                autocapitalize="none"
                required
                value={values.typed}
                aria-invalid={errors.typed ? 'true' : undefined}
                aria-describedby={errors.typed ? 'typed-error' : undefined}
              />
              {errors.typed ? (
                <p id="typed-error" class="field-error">
                  {errors.typed}
                </p>
              ) : null}
            </div>
          ) : null}
          {view.needsPassword ? (
            <PasswordField
              id="reauth-password"
              name="password"
              label="Password"
              autocomplete="current-password"
              hint={`Your own password: changes need a fresh proof every ${durationWords(windowMs)}.`}
              error={errors.password}
            />
          ) : null}
          <div class="actions">
            <ConfirmOrCancel tone="danger" cancelHref={view.cancelHref} />
          </div>
        </form>
      </section>
    </Layout>
  )
}
