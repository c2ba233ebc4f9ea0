import type { EndedView, SessionView } from './account-views.js'
import { DeviceIcon } from './device-icon.js'
import { Address, Location, Meta } from './parts.js'
import { AbsoluteTime, RelativeTime, durationWords } from './time.js'
import { endedReasonWords } from './words.js'

/** One session in a list (the account page's and a user's page in the console). */
export function SessionItem({ session, now, signOut, showId = false }: { session: SessionView; now: Date; signOut: string | null; showId?: boolean }) {
  const titleId = `session-${session.id}`
  return (
    <li class="session" aria-labelledby={titleId}>
      <DeviceIcon kind={session.kind} />
      <div class="session-main">
        <p class="session-title" id={titleId}>
          <span>{session.device}</span>
          {session.current ? <span class="badge">This device</span> : null}
          {session.inactive ? <span class="badge badge-muted">Inactive</span> : null}
        </p>
        <Meta id={`${titleId}-where`} parts={[<Location location={session.location} />, <Address ip={session.ip} />]} />
        <Meta
          id={`${titleId}-when`}
          parts={[
            <span>
              Signed in <AbsoluteTime at={session.createdAt} />
            </span>,
            <span>
              Last active <RelativeTime at={session.lastActiveAt} now={now} />
            </span>,
            <span>
              Expires <AbsoluteTime at={session.expiresAt} />
            </span>,
          ]}
        />
        {showId ? <p class="meta mono session-id">Session {session.id}</p> : null}
      </div>
      {signOut === null ? null : (
        <form class="session-action" method="get" action={signOut}>
          {/* Two sessions may share a label: where and when tell them apart (the button's description). */}
          <button class="button button-danger-quiet" type="submit" aria-describedby={`${titleId}-where ${titleId}-when`}>
            Sign out<span class="visually-hidden"> {session.device}</span>
          </button>
        </form>
      )}
    </li>
  )
}

/** One ended session and why it ended (the operator's note included). */
export function EndedItem({ entry, now }: { entry: EndedView; now: Date }) {
  return (
    <li class="session session-ended">
      <DeviceIcon kind={entry.session.kind} />
      <div class="session-main">
        <p class="session-title">
          <span>{entry.session.device}</span>
        </p>
        <p class="ended-why">
          Ended <RelativeTime at={entry.endedAt} now={now} />: {endedReasonWords(entry.reason, entry.note)}
        </p>
        <Meta
          parts={[
            <Location location={entry.session.location} />,
            <Address ip={entry.session.ip} />,
            <span>
              Signed in <AbsoluteTime at={entry.session.createdAt} />
            </span>,
          ]}
        />
      </div>
    </li>
  )
}

/** The card of sessions that ended within the retention period, and why. */
export function EndedSessions({ ended, now, retentionMs }: { ended: EndedView[]; now: Date; retentionMs: number }) {
  return (
    <section class="card" aria-labelledby="ended-title">
      <h2 id="ended-title">Ended sessions</h2>
      <p class="card-intro">Sessions that ended in the last {durationWords(retentionMs)}, and why.</p>
      {ended.length === 0 ? (
        <p class="empty">No session has ended in the last {durationWords(retentionMs)}.</p>
      ) : (
        <ul class="list sessions">
          {ended.map((entry) => (
            <EndedItem entry={entry} now={now} />
          ))}
        </ul>
      )}
    </section>
  )
}
