import type { Child } from 'hono/jsx'
import type { DeviceKind } from '../http/device.js'
import type { EndedReason } from '../services/my-account.js'
import { DeviceIcon } from './device-icon.js'
import { EndedSessions, SessionItem } from './session-items.js'
import { Address, ConfirmOrCancel, Hidden, Location, Meta, PasswordField } from './parts.js'
import { Layout, StatusRegion, type LayoutProps, type StatusMessage } from './layout.js'
import type { Note } from './notes.js'
import { RelativeTime, durationWords } from './time.js'
import { eventWords, isWarningEvent } from './words.js'

/**
 * The signed-in account pages: sessions, ended sessions, security activity, password, and the
 * confirm and re-authentication steps. Plain forms and links (no script); every recorded value is
 * passed as a JSX child or attribute, so hono/jsx renders it as text.
 */

export interface SessionView {
  id: string
  device: string
  kind: DeviceKind
  location: string | null
  ip: string | null
  createdAt: Date
  lastActiveAt: Date
  expiresAt: Date
  current: boolean
  inactive: boolean
}

export interface EndedView {
  session: Omit<SessionView, 'current' | 'inactive' | 'expiresAt'>
  endedAt: Date
  reason: EndedReason
  note: string | null
}

export interface EventView {
  id: string
  type: string
  details: Record<string, unknown>
  at: Date
  device: string | null
  location: string | null
  ip: string | null
  /** The still-active, not-current session a new-device sign-in opened: "Not you? Sign out that device". */
  endableSessionId: string | null
  /** The event is about the session of this browser. */
  thisDevice: boolean
  /** The device label of the session the event is about, when the page knows it. */
  subject: string | null
}

export type AccountTab = 'sessions' | 'activity' | 'password'

const TABS: Array<{ tab: AccountTab; href: string; label: string }> = [
  { tab: 'sessions', href: '/account', label: 'Sessions' },
  { tab: 'activity', href: '/account/activity', label: 'Security activity' },
  { tab: 'password', href: '/account/password', label: 'Password' },
]

/** The user's own sign-out: a button named exactly "Sign out" in the header of every signed-in page. */
function SignOutButton() {
  return (
    <form class="inline-form" method="post" action="/account/sign-out">
      <button class="button button-small" type="submit">
        Sign out
      </button>
    </form>
  )
}

/** A live region for the page's one-time message, and the follow-up it offers. */
function Feedback({ id, note }: { id: string; note: Note | StatusMessage | null }) {
  const offer = note && 'offer' in note ? note.offer : undefined
  return (
    <>
      <StatusRegion id={id} message={note} />
      {offer === 'change-password' ? (
        <p class="offer">
          <a class="button button-primary" href="/account/password">
            Change your password
          </a>
        </p>
      ) : null}
    </>
  )
}

interface FrameProps {
  title: string
  email: string
  tab: AccountTab
  note: Note | null
  children?: Child
}

/** A signed-in page: who is signed in, the account's tabs, the live region, then the tab's content. */
function AccountFrame({ title, email, tab, note, children }: FrameProps) {
  return (
    <Layout title={title} headerActions={<SignOutButton />}>
      <div class="account-intro">
        <h1>Your account</h1>
        <p class="lead">
          Signed in as <strong class="email">{email}</strong>
        </p>
      </div>
      <nav class="tabs" aria-label="Account">
        <ul>
          {TABS.map((item) => (
            <li>
              <a href={item.href} aria-current={item.tab === tab ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <Feedback id="account-status" note={note} />
      {children}
    </Layout>
  )
}

/** "N sessions have not been used for more than a week", with the one action that ends them all. */
function InactiveNotice({ count }: { count: number }) {
  if (count === 0) return null
  return (
    <section class="card card-notice" aria-labelledby="inactive-title">
      <h2 id="inactive-title">{count === 1 ? '1 inactive session' : `${count} inactive sessions`}</h2>
      <p>
        {count === 1 ? 'One session has' : `${count} sessions have`} not been used for more than a week. If you no longer use{' '}
        {count === 1 ? 'that device' : 'those devices'}, sign {count === 1 ? 'it' : 'them'} out.
      </p>
      <form method="get" action="/account/sessions/inactive/confirm">
        <button class="button" type="submit">
          Sign out inactive sessions
        </button>
      </form>
    </section>
  )
}

export interface SessionsPageProps {
  email: string
  note: Note | null
  now: Date
  sessions: SessionView[]
  ended: EndedView[]
  retentionMs: number
}

/** `/account`: the active sessions (this device first), inactive ones flagged, ended ones and why. */
export function SessionsPage({ email, note, now, sessions, ended, retentionMs }: SessionsPageProps) {
  const others = sessions.filter((session) => !session.current)
  const inactive = sessions.filter((session) => session.inactive)
  return (
    <AccountFrame title="Sessions" email={email} tab="sessions" note={note}>
      <section class="card" aria-labelledby="sessions-title">
        <div class="card-header">
          <h2 id="sessions-title">Your sessions</h2>
          <p class="meta">{sessions.length === 1 ? '1 active session' : `${sessions.length} active sessions`}</p>
        </div>
        <p class="card-intro">Where your account is signed in right now. Locations are approximate: they are worked out from the IP address.</p>
        <ul class="list sessions">
          {sessions.map((session) => (
            <SessionItem session={session} now={now} signOut={session.current ? null : `/account/sessions/${session.id}/confirm`} />
          ))}
        </ul>
        {others.length > 0 ? (
          <form class="card-footer" method="get" action="/account/sessions/others/confirm">
            <button class="button" type="submit">
              Sign out all other sessions
            </button>
          </form>
        ) : (
          <p class="card-footer meta">This is the only device signed in to your account.</p>
        )}
      </section>

      <InactiveNotice count={inactive.length} />

      <EndedSessions ended={ended} now={now} retentionMs={retentionMs} />

      <section class="card card-danger" aria-labelledby="everywhere-title">
        <h2 id="everywhere-title">Sign out everywhere</h2>
        <p>
          If you think someone else has your session (a copied cookie, a lost device), sign out everywhere, this device too. Then sign in again and
          change your password.
        </p>
        <form method="get" action="/account/sessions/all/confirm">
          <button class="button button-danger" type="submit">
            Sign out everywhere
          </button>
        </form>
      </section>
    </AccountFrame>
  )
}

export interface ActivityPageProps {
  email: string
  note: Note | null
  now: Date
  events: EventView[]
  /** The next (older) page's URL, when there is one. */
  olderHref: string | null
  /** Whether this is a later page (then "Newest" leads back to the first). */
  paged: boolean
  inactiveCount: number
}

/** `/account/activity`: the security event feed, newest first, paged. */
export function ActivityPage({ email, note, now, events, olderHref, paged, inactiveCount }: ActivityPageProps) {
  return (
    <AccountFrame title="Security activity" email={email} tab="activity" note={note}>
      <InactiveNotice count={inactiveCount} />
      <section class="card" aria-labelledby="activity-title">
        <h2 id="activity-title">Security activity</h2>
        <p class="card-intro">Sign-ins, sign-outs and other security events on your account, newest first. Locations are approximate.</p>
        {events.length === 0 ? (
          <p class="empty">{paged ? 'There is no older activity.' : 'Nothing has happened on your account yet.'}</p>
        ) : (
          <ol class="list events">
            {events.map((event) => (
              <li class={isWarningEvent(event.type) ? 'event event-warning' : 'event'}>
                <p class="event-title" id={`event-${event.id}`}>
                  <span>{eventWords(event, event.subject)}</span>
                  {event.thisDevice ? <span class="badge">This device</span> : null}
                </p>
                <Meta
                  id={`event-${event.id}-meta`}
                  parts={[
                    <RelativeTime at={event.at} now={now} />,
                    ...(event.device ? [<span>{event.device}</span>] : []),
                    <Location location={event.location} />,
                    <Address ip={event.ip} />,
                  ]}
                />
                {event.endableSessionId ? (
                  <p class="event-actions">
                    <a
                      class="button button-danger-quiet button-small"
                      href={`/account/sessions/${event.endableSessionId}/confirm?from=activity`}
                      aria-describedby={`event-${event.id}-meta`}
                    >
                      Not you? Sign out that device
                    </a>
                    <a href="/account/password">Change your password</a>
                  </p>
                ) : null}
              </li>
            ))}
          </ol>
        )}
        {olderHref || paged ? (
          <nav class="pager" aria-label="Activity pages">
            {paged ? <a href="/account/activity">Newest activity</a> : <span />}
            {olderHref ? <a href={olderHref}>Older activity</a> : null}
          </nav>
        ) : null}
      </section>
    </AccountFrame>
  )
}

export interface PasswordPageProps {
  email: string
  note: Note | null
  minLength: number
  errors?: { currentPassword?: string; newPassword?: string }
}

/** `/account/password`: Current password, New password, Change password; the policy's errors inline. */
export function PasswordPage({ email, note, minLength, errors = {} }: PasswordPageProps) {
  return (
    <AccountFrame title="Password" email={email} tab="password" note={note}>
      <section class="card" aria-labelledby="password-title">
        <h2 id="password-title">Change password</h2>
        <p class="card-intro">Changing your password signs out every other session. This device stays signed in.</p>
        <form class="form form-narrow" method="post" action="/account/password">
          <PasswordField id="current-password" name="currentPassword" label="Current password" autocomplete="current-password" error={errors.currentPassword} />
          <PasswordField
            id="new-password"
            name="newPassword"
            label="New password"
            autocomplete="new-password"
            hint={`At least ${minLength} characters. Very common passwords are refused.`}
            error={errors.newPassword}
          />
          <div>
            <button class="button button-primary" type="submit">
              Change password
            </button>
          </div>
        </form>
      </section>
    </AccountFrame>
  )
}

/** What a confirm or re-authentication step is about. */
export interface ActionView {
  /** The question: "Sign out Chrome 131 on Linux?" */
  question: string
  /** The same as something to do: "sign out Chrome 131 on Linux". */
  purpose: string
  /** What happens, in a sentence or two. */
  explanation: string
  /** The one session it ends, when it ends one: shown so the user knows which. */
  session?: SessionView
  /** Where the form posts (the action itself). */
  action: string
  /** Hidden fields that travel with it (never secrets). */
  fields: Record<string, string>
  /** Where Cancel leads (nothing is sent). */
  cancelHref: string
}

function Step({ title, children }: { title: string; children?: Child }) {
  return (
    <Layout title={title} headerActions={<SignOutButton />}>
      <section class="card card-narrow" aria-labelledby="step-title">
        {children}
      </section>
    </Layout>
  )
}

function SessionSummary({ session, now }: { session: SessionView; now: Date }) {
  return (
    <div class="summary">
      <DeviceIcon kind={session.kind} />
      <div>
        <p class="session-title">{session.device}</p>
        <Meta parts={[<Location location={session.location} />, <Address ip={session.ip} />]} />
        <Meta
          parts={[
            <span>
              Last active <RelativeTime at={session.lastActiveAt} now={now} />
            </span>,
          ]}
        />
      </div>
    </div>
  )
}

/** The confirming step: names what will end; Confirm posts, Cancel is a link back (sends nothing). */
export function ConfirmPage({ view, now }: { view: ActionView; now: Date }) {
  return (
    <Step title={view.question}>
      <h1 id="step-title">{view.question}</h1>
      <p>{view.explanation}</p>
      {view.session ? <SessionSummary session={view.session} now={now} /> : null}
      <form class="actions" method="post" action={view.action}>
        <Hidden fields={view.fields} />
        <ConfirmOrCancel tone="danger" cancelHref={view.cancelHref} />
      </form>
    </Step>
  )
}

/**
 * The re-authentication step, when the action needs a fresh password proof (REAUTH_WINDOW): the
 * password and the original action post together, so the action completes without asking again.
 */
export function ReauthPage({ view, now, windowMs, message }: { view: ActionView; now: Date; windowMs: number; message: StatusMessage | null }) {
  const invalid = message?.kind === 'error'
  return (
    <Step title="Confirm it’s you">
      <h1 id="step-title">Confirm it’s you</h1>
      <p>
        To {view.purpose}, enter your password. You will not be asked again for the next {durationWords(windowMs)}.
      </p>
      {view.session ? <SessionSummary session={view.session} now={now} /> : null}
      <StatusRegion id="reauth-status" message={message} />
      <form class="form" method="post" action={view.action}>
        <Hidden fields={view.fields} />
        <PasswordField
          id="reauth-password"
          name="password"
          label="Password"
          autocomplete="current-password"
          autofocus
          invalid={invalid}
          describedBy={invalid ? 'reauth-status' : undefined}
        />
        <div class="actions">
          <ConfirmOrCancel tone="primary" cancelHref={view.cancelHref} />
        </div>
      </form>
    </Step>
  )
}

export interface ProblemPageProps {
  title: string
  message: string
  /** The way back (default: the account page). */
  back?: { href: string; label: string }
  home?: LayoutProps['home']
}

/** A page for what went wrong (a dependency down, a form sent from elsewhere), with a way back. */
export function ProblemPage({ title, message, back = { href: '/account', label: 'Back to your account' }, home }: ProblemPageProps) {
  return (
    <Layout title={title} home={home}>
      <section class="card card-narrow" aria-labelledby="problem-title">
        <h1 id="problem-title">{title}</h1>
        <StatusRegion id="problem-status" message={{ kind: 'error', text: message }} />
        <p>
          <a href={back.href}>{back.label}</a>
        </p>
      </section>
    </Layout>
  )
}
