import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isolatedDatabase, uniqueEmail } from '../support/app.js'
import { onClose } from '../support/resources.js'
import { openPglite, type Database, type Db, type Executor } from '../../src/stores/db.js'
import {
  countSessionsActiveSince,
  endAllSessions,
  endSession,
  endSessionsOfUser,
  findSession,
  insertSession,
  listOpenSessions,
  listSessionsEndedSince,
  lockSession,
  setAuthTime,
  tombstoneSessionsOfUser,
  touchSession,
  type NewSession,
} from '../../src/stores/sessions.js'
import { findNewestRefreshToken, findRefreshTokenByHash, insertRefreshToken, retireRefreshToken } from '../../src/stores/refresh-tokens.js'
import { hasLoggedInFrom, insertEvent, listEvents, type EventCursor, type NewSecurityEvent } from '../../src/stores/events.js'
import {
  deleteEndedSessions,
  deleteEventsBefore,
  deleteOpenSessionsIdleSince,
  deleteOpenSessionsPastAbsoluteEnd,
  deleteTombstonesBefore,
} from '../../src/stores/retention.js'
import {
  deleteUser,
  findUserByEmail,
  findUserById,
  insertUser,
  lockUser,
  countUsersByEmailPrefix,
  searchUsersByEmailPrefix,
  setAdmin,
  setDisabled,
  setPassword,
  updatePasswordHash,
} from '../../src/stores/users.js'
import type { SecurityEventRow } from '../../src/stores/schema.js'

/** The same promises, held on both ledgers production can run on. */
const DRIVERS: [string, () => Promise<Database>][] = [
  ['postgres', () => isolatedDatabase()],
  [
    'pglite',
    async () => {
      const database = onClose(await openPglite(null), (db) => db.close())
      await database.runMigrations()
      return database
    },
  ],
]

const T0 = new Date('2030-01-01T00:00:00.000Z')
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 86_400_000
const at = (ms: number) => new Date(T0.getTime() + ms)
/** The same idle cutoff for both session kinds. */
const cutoffs = (date: Date) => ({ standard: date, console: date })

async function aUser(db: Executor, email = uniqueEmail()) {
  const user = await insertUser(db, { id: randomUUID(), email, passwordHash: 'hash-0', at: T0 })
  if (!user) throw new Error('email taken')
  return user
}

function aSession(userId: string, overrides: Partial<NewSession> = {}): NewSession {
  return {
    id: randomUUID(),
    userId,
    device: 'Firefox on Linux',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0',
    ip: '203.0.113.5',
    location: 'Berlin, DE',
    createdAt: T0,
    lastActiveAt: T0,
    absoluteExpiresAt: at(30 * DAY),
    authTime: T0,
    ...overrides,
  }
}

const event = (userId: string, overrides: Partial<NewSecurityEvent> = {}): NewSecurityEvent => ({ userId, type: 'login', at: T0, ...overrides })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.each(DRIVERS)('ledger stores on %s', (_driver, open) => {
  // One database per driver for the tests below: each works on users of its own.
  let db: Db
  beforeAll(async () => {
    db = (await open()).db
  })

  describe('users', () => {
    it('a second account with a taken email is refused (null) and the first is left as it was', async () => {
      const email = uniqueEmail()
      const first = await aUser(db, email)
      expect(await insertUser(db, { id: randomUUID(), email, passwordHash: 'hash-intruder', at: at(MINUTE) })).toBeNull()
      const found = await findUserByEmail(db, email)
      expect(found).toMatchObject({ id: first.id, passwordHash: 'hash-0', createdAt: T0, passwordChangedAt: T0, disabledAt: null })
      expect(await findUserById(db, first.id)).toEqual(found)
      expect(await findUserByEmail(db, uniqueEmail())).toBeNull()
      expect(await findUserById(db, randomUUID())).toBeNull()
    })

    it('search by email prefix: case-insensitive, in byte order, paged after an email, at most `limit`, % and _ taken literally, with a count', async () => {
      const tag = randomUUID().slice(0, 8)
      for (const local of ['c', 'a', 'b']) await aUser(db, `${tag}-${local}@example.test`)
      const underscore = await aUser(db, `${tag}_x@example.test`)
      const percent = await aUser(db, `${tag}%y@example.test`)
      await aUser(db, `x${tag}@example.test`) // contains the tag, does not start with it
      const emails = async (prefix: string, limit: number, after: string | null = null) =>
        (await searchUsersByEmailPrefix(db, { prefix, after, limit })).map((user) => user.email)

      const all = [`${tag}%y@example.test`, `${tag}-a@example.test`, `${tag}-b@example.test`, `${tag}-c@example.test`, `${tag}_x@example.test`]
      expect(await emails(tag.toUpperCase(), 10)).toEqual(all)
      expect(await countUsersByEmailPrefix(db, tag.toUpperCase())).toBe(5)
      expect(await emails(tag, 2, all[1]!)).toEqual(all.slice(2, 4))
      expect(await emails(`${tag}-`, 2)).toEqual([`${tag}-a@example.test`, `${tag}-b@example.test`])
      // A wildcard in the prefix matches only itself.
      expect(await emails(`${tag}_`, 10)).toEqual([underscore.email])
      expect(await emails(`${tag}%`, 10)).toEqual([percent.email])
      expect(await emails(`${tag}-z`, 10)).toEqual([])
      expect(await countUsersByEmailPrefix(db, `${tag}-z`)).toBe(0)
      // The last code point at its maximum, or just below the surrogates: the range still ends right.
      expect(await emails(`${tag}\u{10FFFF}`, 10)).toEqual([])
      expect(await emails(`${tag}-\uD7FF`, 10)).toEqual([])
      expect(await emails('', 1)).toHaveLength(1)
    })

    it('grants and revokes the admin role', async () => {
      const user = await aUser(db)
      expect(user.isAdmin).toBe(false)
      expect(await setAdmin(db, user.id, true)).toMatchObject({ id: user.id, isAdmin: true })
      expect(await setAdmin(db, user.id, false)).toMatchObject({ isAdmin: false })
      expect(await setAdmin(db, randomUUID(), true)).toBeNull()
    })

    it('a rehash keeps the password-change time; a new password moves it; disabling is undone by null', async () => {
      const user = await aUser(db)
      await updatePasswordHash(db, user.id, 'hash-rehashed')
      expect(await findUserById(db, user.id)).toMatchObject({ passwordHash: 'hash-rehashed', passwordChangedAt: T0 })
      await setPassword(db, user.id, 'hash-new', at(DAY))
      expect(await findUserById(db, user.id)).toMatchObject({ passwordHash: 'hash-new', passwordChangedAt: at(DAY) })

      expect((await setDisabled(db, user.id, at(2 * DAY)))?.disabledAt).toEqual(at(2 * DAY))
      expect((await findUserById(db, user.id))?.disabledAt).toEqual(at(2 * DAY))
      expect((await setDisabled(db, user.id, null))?.disabledAt).toBeNull()
      expect(await setDisabled(db, randomUUID(), at(DAY))).toBeNull()
    })

    it('deleting a user takes their sessions, refresh tokens and events along, and is true only once', async () => {
      const user = await aUser(db)
      const session = await insertSession(db, aSession(user.id))
      const tokenHash = randomUUID()
      await insertRefreshToken(db, { sessionId: session.id, tokenHash, generation: 0, at: T0 })
      await insertEvent(db, event(user.id, { sessionId: session.id }))

      expect(await deleteUser(db, user.id)).toBe(true)
      expect(await findUserById(db, user.id)).toBeNull()
      expect(await findSession(db, session.id)).toBeNull()
      expect(await findRefreshTokenByHash(db, tokenHash)).toBeNull()
      expect(await listEvents(db, user.id, { limit: 10, cursor: null })).toEqual([])
      expect(await deleteUser(db, user.id)).toBe(false)
    })
  })

  describe('sessions', () => {
    it('a session reads back as it was written; an unknown id is null', async () => {
      const user = await aUser(db)
      const written = aSession(user.id)
      const inserted = await insertSession(db, written)
      expect(inserted).toMatchObject({ ...written, endedAt: null, endReason: null })
      expect(await findSession(db, written.id!)).toEqual(inserted)
      expect(await findSession(db, randomUUID())).toBeNull()
    })

    it('ending a session: it is ended once, no longer listed, and still found with its reason', async () => {
      const user = await aUser(db)
      const session = await insertSession(db, aSession(user.id))
      expect((await listOpenSessions(db, user.id)).map((row) => row.id)).toEqual([session.id])

      const ended = await endSession(db, { id: session.id, reason: 'logout', at: at(MINUTE) })
      expect(ended).toMatchObject({ id: session.id, endedAt: at(MINUTE), endReason: 'logout' })
      expect(await endSession(db, { id: session.id, reason: 'revoked', at: at(2 * MINUTE) })).toBeNull()
      expect(await listOpenSessions(db, user.id)).toEqual([])
      expect(await findSession(db, session.id)).toMatchObject({ endedAt: at(MINUTE), endReason: 'logout' })
      expect(await endSession(db, { id: randomUUID(), reason: 'logout', at: T0 })).toBeNull()
    })

    it("a user cannot end someone else's session: null, and it stays open", async () => {
      const owner = await aUser(db)
      const other = await aUser(db)
      const session = await insertSession(db, aSession(owner.id))
      expect(await endSession(db, { id: session.id, userId: other.id, reason: 'revoked', at: T0 })).toBeNull()
      expect((await listOpenSessions(db, owner.id)).map((row) => row.id)).toEqual([session.id])
      expect(await endSession(db, { id: session.id, userId: owner.id, reason: 'revoked', at: T0 })).toMatchObject({ endReason: 'revoked' })
    })

    it('a session that timed out (idle, or past its absolute end) is not there to be ended', async () => {
      const user = await aUser(db)
      const idle = await insertSession(db, aSession(user.id, { lastActiveAt: T0 }))
      expect(await endSession(db, { id: idle.id, reason: 'logout', at: at(DAY), activeAfter: cutoffs(at(1)) })).toBeNull()
      const expired = await insertSession(db, aSession(user.id, { lastActiveAt: at(2 * DAY), absoluteExpiresAt: at(DAY) }))
      expect(await endSession(db, { id: expired.id, reason: 'logout', at: at(2 * DAY), activeAfter: cutoffs(T0) })).toBeNull()
      const alive = await insertSession(db, aSession(user.id, { lastActiveAt: at(DAY) }))
      expect(await endSession(db, { id: alive.id, reason: 'logout', at: at(DAY), activeAfter: cutoffs(T0) })).toMatchObject({ id: alive.id })
      expect((await listOpenSessions(db, user.id)).map((row) => row.id).sort()).toEqual([idle.id, expired.id].sort())
    })

    it('a console session times out by its own idle cutoff; ending one kind of a user\'s sessions leaves the other', async () => {
      const user = await aUser(db)
      const standard = await insertSession(db, aSession(user.id, { lastActiveAt: T0 }))
      const consoleSession = await insertSession(db, aSession(user.id, { lastActiveAt: T0, kind: 'console', device: 'curl 8.5 (console)' }))
      // An hour later: within the standard idle timeout, past the console one.
      const cutoff = { standard: at(-DAY), console: at(HOUR - 30 * MINUTE) }
      expect(await endSession(db, { id: consoleSession.id, reason: 'admin', at: at(HOUR), activeAfter: cutoff })).toBeNull()
      expect(await endSession(db, { id: standard.id, reason: 'admin', at: at(HOUR), activeAfter: cutoff, reasonNote: 'phished' })).toMatchObject({ reasonNote: 'phished' })
      const another = await insertSession(db, aSession(user.id, { kind: 'console' }))
      const ended = await endSessionsOfUser(db, { userId: user.id, kind: 'console', reason: 'admin', at: at(HOUR), reasonNote: 'role revoked' })
      expect(ended.map((row) => row.id).sort()).toEqual([consoleSession.id, another.id].sort())
      expect(ended.every((row) => row.reasonNote === 'role revoked')).toBe(true)
    })

    it("a user's open sessions are listed most recently active first, and activity reorders them; others' are never listed", async () => {
      const user = await aUser(db)
      const stranger = await aUser(db)
      const older = await insertSession(db, aSession(user.id, { lastActiveAt: at(MINUTE) }))
      const newest = await insertSession(db, aSession(user.id, { lastActiveAt: at(3 * MINUTE) }))
      const middle = await insertSession(db, aSession(user.id, { lastActiveAt: at(2 * MINUTE) }))
      const ended = await insertSession(db, aSession(user.id, { lastActiveAt: at(4 * MINUTE) }))
      await endSession(db, { id: ended.id, reason: 'logout', at: at(4 * MINUTE) })
      await insertSession(db, aSession(stranger.id, { lastActiveAt: at(5 * MINUTE) }))

      const ids = async () => (await listOpenSessions(db, user.id)).map((row) => row.id)
      expect(await ids()).toEqual([newest.id, middle.id, older.id])
      await touchSession(db, older.id, at(10 * MINUTE))
      expect(await ids()).toEqual([older.id, newest.id, middle.id])
    })

    it('activity only moves forward: a late, older touch does not rewind lastActiveAt', async () => {
      const user = await aUser(db)
      const session = await insertSession(db, aSession(user.id))
      await touchSession(db, session.id, at(10 * MINUTE))
      await touchSession(db, session.id, at(5 * MINUTE))
      expect((await findSession(db, session.id))?.lastActiveAt).toEqual(at(10 * MINUTE))
    })

    it('ending all of a user\'s sessions but one returns the ended rows and spares the one and other users', async () => {
      const user = await aUser(db)
      const stranger = await aUser(db)
      const kept = await insertSession(db, aSession(user.id))
      const a = await insertSession(db, aSession(user.id))
      const b = await insertSession(db, aSession(user.id))
      const theirs = await insertSession(db, aSession(stranger.id))

      const ended = await endSessionsOfUser(db, { userId: user.id, exceptId: kept.id, reason: 'password_changed', at: at(MINUTE) })
      expect(ended.map((row) => row.id).sort()).toEqual([a.id, b.id].sort())
      expect(ended.every((row) => row.endReason === 'password_changed' && row.endedAt?.getTime() === at(MINUTE).getTime())).toBe(true)
      expect((await listOpenSessions(db, user.id)).map((row) => row.id)).toEqual([kept.id])
      expect((await listOpenSessions(db, stranger.id)).map((row) => row.id)).toEqual([theirs.id])
      // Without an exception: the rest; sessions already ended are not ended again.
      expect((await endSessionsOfUser(db, { userId: user.id, reason: 'admin', at: at(2 * MINUTE) })).map((row) => row.id)).toEqual([kept.id])
      expect(await findSession(db, a.id)).toMatchObject({ endReason: 'password_changed' })
    })

    it('reauthentication moves authTime', async () => {
      const user = await aUser(db)
      const session = await insertSession(db, aSession(user.id))
      await setAuthTime(db, session.id, at(MINUTE))
      expect((await findSession(db, session.id))?.authTime).toEqual(at(MINUTE))
    })

    it('a locked session or user is handed to a second locker only after the first transaction commits, with its write', async () => {
      const user = await aUser(db)
      const session = await insertSession(db, aSession(user.id))
      const order: string[] = []
      let second: Promise<unknown> | null = null
      await db.transaction(async (tx) => {
        expect((await lockSession(tx, session.id))?.id).toBe(session.id)
        expect((await lockUser(tx, user.id))?.id).toBe(user.id)
        second = db.transaction(async (tx2) => {
          const seenSession = await lockSession(tx2, session.id)
          const seenUser = await lockUser(tx2, user.id)
          order.push('second locked')
          return { authTime: seenSession?.authTime, passwordHash: seenUser?.passwordHash }
        })
        await sleep(100)
        await setAuthTime(tx, session.id, at(MINUTE))
        await updatePasswordHash(tx, user.id, 'hash-by-first')
        order.push('first committing')
      })
      expect(await second).toEqual({ authTime: at(MINUTE), passwordHash: 'hash-by-first' })
      expect(order).toEqual(['first committing', 'second locked'])
      expect(await lockSession(db, randomUUID())).toBeNull()
      expect(await lockUser(db, randomUUID())).toBeNull()
    })

    it("a deleted user's revoked sessions stay in the denylist feed through tombstones; open ones and older ends do not", async () => {
      const user = await aUser(db)
      const before = await insertSession(db, aSession(user.id))
      const revoked = await insertSession(db, aSession(user.id))
      const open = await insertSession(db, aSession(user.id))
      await endSession(db, { id: before.id, reason: 'logout', at: at(MINUTE) })
      await endSession(db, { id: revoked.id, reason: 'revoked', at: at(3 * MINUTE) })
      const mine = new Set([before.id, revoked.id, open.id])
      const feed = async () => (await listSessionsEndedSince(db, at(2 * MINUTE))).filter((row) => mine.has(row.id))

      expect(await feed()).toEqual([{ id: revoked.id, endedAt: at(3 * MINUTE) }])
      await tombstoneSessionsOfUser(db, user.id)
      await tombstoneSessionsOfUser(db, user.id) // twice is harmless
      expect(await deleteUser(db, user.id)).toBe(true)
      expect(await feed()).toEqual([{ id: revoked.id, endedAt: at(3 * MINUTE) }])
    })
  })

  describe('refresh tokens', () => {
    it('rotation: the newest token is the one not retired; a retired one is still found by hash, with its retirement', async () => {
      const user = await aUser(db)
      const session = await insertSession(db, aSession(user.id))
      const [first, second] = [randomUUID(), randomUUID()]
      expect(await findNewestRefreshToken(db, session.id)).toBeNull()
      await insertRefreshToken(db, { sessionId: session.id, tokenHash: first, generation: 0, at: T0 })
      const gen0 = await findNewestRefreshToken(db, session.id)
      expect(gen0).toMatchObject({ tokenHash: first, generation: 0, createdAt: T0, retiredAt: null })

      await retireRefreshToken(db, gen0!.id, at(MINUTE))
      expect(await findNewestRefreshToken(db, session.id)).toBeNull()
      await insertRefreshToken(db, { sessionId: session.id, tokenHash: second, generation: 1, at: at(MINUTE) })
      expect(await findNewestRefreshToken(db, session.id)).toMatchObject({ tokenHash: second, generation: 1 })
      expect(await findRefreshTokenByHash(db, first)).toMatchObject({ sessionId: session.id, generation: 0, retiredAt: at(MINUTE) })
      expect(await findRefreshTokenByHash(db, randomUUID())).toBeNull()
    })

    it('a token hash exists once, and a session has one token per generation (a racing rotation loses)', async () => {
      const user = await aUser(db)
      const session = await insertSession(db, aSession(user.id))
      const other = await insertSession(db, aSession(user.id))
      const hash = randomUUID()
      await insertRefreshToken(db, { sessionId: session.id, tokenHash: hash, generation: 0, at: T0 })
      await expect(insertRefreshToken(db, { sessionId: other.id, tokenHash: hash, generation: 0, at: T0 })).rejects.toThrow()
      await expect(insertRefreshToken(db, { sessionId: session.id, tokenHash: randomUUID(), generation: 0, at: T0 })).rejects.toThrow()
      expect(await findRefreshTokenByHash(db, hash)).toMatchObject({ sessionId: session.id })
    })
  })

  describe('security events', () => {
    it('an event reads back with its context, and details default to {}', async () => {
      const user = await aUser(db)
      const written = await insertEvent(db, event(user.id, { type: 'new_device_login', ip: '203.0.113.9', device: 'Safari on iOS', details: { reason: 'x' } }))
      const bare = await insertEvent(db, event(user.id, { type: 'logout', at: at(MINUTE) }))
      expect(await listEvents(db, user.id, { limit: 10, cursor: null })).toEqual([bare, written])
      expect(bare).toMatchObject({ sessionId: null, ip: null, device: null, location: null, details: {} })
      expect(written).toMatchObject({ type: 'new_device_login', ip: '203.0.113.9', device: 'Safari on iOS', details: { reason: 'x' } })
    })

    it('pages newest first; each page continues exactly where the last stopped, also across events of the same instant', async () => {
      const user = await aUser(db)
      const stranger = await aUser(db)
      // Seven events, three of them at one instant (told apart by id), written out of time order.
      for (const minute of [3, 1, 5, 5, 5, 0, 7]) await insertEvent(db, event(user.id, { at: at(minute * MINUTE) }))
      await insertEvent(db, event(stranger.id, { at: at(4 * MINUTE) }))

      const all = await listEvents(db, user.id, { limit: 100, cursor: null })
      expect(all.map((row) => row.at.getTime() - T0.getTime())).toEqual([7, 5, 5, 5, 3, 1, 0].map((m) => m * MINUTE))
      const sameInstant = all.slice(1, 4).map((row) => row.id)
      expect(sameInstant).toEqual([...sameInstant].sort((x, y) => y - x))

      const pages: SecurityEventRow[][] = []
      let cursor: EventCursor | null = null
      for (;;) {
        const page = await listEvents(db, user.id, { limit: 2, cursor })
        if (page.length === 0) break
        pages.push(page)
        cursor = { at: page.at(-1)!.at, id: page.at(-1)!.id }
      }
      expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 1])
      // Page 2 starts in the middle of the same-instant run: nothing skipped, nothing repeated.
      expect(pages.flat()).toEqual(all)
    })

    it('"logged in from here before": only logins count, device and location match exactly, a missing one matches only missing', async () => {
      const user = await aUser(db)
      await insertEvent(db, event(user.id, { device: 'Firefox on Linux', location: 'Berlin, DE' }))
      await insertEvent(db, event(user.id, { device: 'Firefox on Linux', location: null }))
      await insertEvent(db, event(user.id, { type: 'login_failed', device: 'Safari on iOS', location: 'Paris, FR' }))
      const other = await aUser(db)

      expect(await hasLoggedInFrom(db, user.id, 'Firefox on Linux', 'Berlin, DE')).toBe(true)
      expect(await hasLoggedInFrom(db, user.id, 'Firefox on Linux', null)).toBe(true)
      expect(await hasLoggedInFrom(db, user.id, 'Firefox on Linux', 'Paris, FR')).toBe(false)
      expect(await hasLoggedInFrom(db, user.id, null, 'Berlin, DE')).toBe(false)
      expect(await hasLoggedInFrom(db, user.id, 'Safari on iOS', 'Paris, FR')).toBe(false)
      expect(await hasLoggedInFrom(db, other.id, 'Firefox on Linux', 'Berlin, DE')).toBe(false)
    })
  })

  // These act on every row of the ledger: a database of their own, emptied before each test.
  describe('whole-ledger operations', () => {
    let fresh: Db
    beforeAll(async () => {
      fresh = (await open()).db
    })
    beforeEach(async () => {
      await fresh.execute(sql`TRUNCATE users, session_tombstones RESTART IDENTITY CASCADE`)
    })

    it('ending every session of every user returns exactly the open ones; the active-sessions count follows', async () => {
      const [alice, bob] = [await aUser(fresh), await aUser(fresh)]
      const a1 = await insertSession(fresh, aSession(alice.id, { lastActiveAt: at(10 * MINUTE) }))
      const a2 = await insertSession(fresh, aSession(alice.id, { lastActiveAt: at(MINUTE) }))
      const b1 = await insertSession(fresh, aSession(bob.id, { lastActiveAt: at(20 * MINUTE) }))
      const done = await insertSession(fresh, aSession(bob.id, { lastActiveAt: at(30 * MINUTE) }))
      await endSession(fresh, { id: done.id, reason: 'logout', at: at(30 * MINUTE) })

      expect(await countSessionsActiveSince(fresh, cutoffs(at(5 * MINUTE)))).toBe(2)
      expect(await countSessionsActiveSince(fresh, cutoffs(T0))).toBe(3)
      expect((await endAllSessions(fresh, { reason: 'admin', at: at(HOUR) })).map((row) => row.id).sort()).toEqual([a1.id, a2.id, b1.id].sort())
      expect(await countSessionsActiveSince(fresh, cutoffs(T0))).toBe(0)
      expect(await findSession(fresh, done.id)).toMatchObject({ endReason: 'logout' })
      expect(await endAllSessions(fresh, { reason: 'admin', at: at(HOUR) })).toEqual([])
    })

    it('retention deletes ended sessions (and their tokens) ended before the cutoff, at most `limit` a batch, and nothing else', async () => {
      const user = await aUser(fresh)
      const old: string[] = []
      for (let i = 0; i < 5; i += 1) {
        const session = await insertSession(fresh, aSession(user.id))
        await insertRefreshToken(fresh, { sessionId: session.id, tokenHash: `old-${session.id}`, generation: 0, at: T0 })
        await endSession(fresh, { id: session.id, reason: 'logout', at: at(i * MINUTE) })
        old.push(session.id)
      }
      const recent = await insertSession(fresh, aSession(user.id))
      await endSession(fresh, { id: recent.id, reason: 'logout', at: at(DAY) })
      const open = await insertSession(fresh, aSession(user.id))

      const cutoff = at(HOUR)
      const batches = [await deleteEndedSessions(fresh, cutoff, 2), await deleteEndedSessions(fresh, cutoff, 2), await deleteEndedSessions(fresh, cutoff, 2)]
      expect(batches).toEqual([2, 2, 1])
      expect(await deleteEndedSessions(fresh, cutoff, 2)).toBe(0)
      for (const id of old) {
        expect(await findSession(fresh, id)).toBeNull()
        expect(await findRefreshTokenByHash(fresh, `old-${id}`)).toBeNull()
      }
      expect(await findSession(fresh, recent.id)).not.toBeNull()
      expect(await findSession(fresh, open.id)).not.toBeNull()
    })

    it('retention deletes never-ended sessions past their absolute end or idle since the cutoff, old events and old tombstones', async () => {
      const user = await aUser(fresh)
      const pastAbsolute = await insertSession(fresh, aSession(user.id, { lastActiveAt: at(20 * DAY), absoluteExpiresAt: at(DAY) }))
      const idle = await insertSession(fresh, aSession(user.id, { lastActiveAt: T0, absoluteExpiresAt: at(90 * DAY) }))
      const alive = await insertSession(fresh, aSession(user.id, { lastActiveAt: at(20 * DAY), absoluteExpiresAt: at(90 * DAY) }))
      const cutoff = at(10 * DAY)

      expect(await deleteOpenSessionsPastAbsoluteEnd(fresh, cutoff, 10)).toBe(1)
      expect(await findSession(fresh, pastAbsolute.id)).toBeNull()
      expect(await deleteOpenSessionsIdleSince(fresh, cutoffs(cutoff), 10)).toBe(1)
      expect(await findSession(fresh, idle.id)).toBeNull()
      expect(await findSession(fresh, alive.id)).not.toBeNull()

      const kept = await insertEvent(fresh, event(user.id, { at: at(20 * DAY) }))
      for (let i = 0; i < 3; i += 1) await insertEvent(fresh, event(user.id, { at: at(i * DAY) }))
      expect(await deleteEventsBefore(fresh, cutoff, 2)).toBe(2)
      expect(await deleteEventsBefore(fresh, cutoff, 2)).toBe(1)
      expect(await listEvents(fresh, user.id, { limit: 10, cursor: null })).toEqual([kept])

      // Tombstones of a deleted user's sessions: the old one goes, the recent one stays in the feed.
      const oldEnd = await insertSession(fresh, aSession(user.id))
      const newEnd = await insertSession(fresh, aSession(user.id))
      await endSession(fresh, { id: oldEnd.id, reason: 'revoked', at: at(DAY) })
      await endSession(fresh, { id: newEnd.id, reason: 'revoked', at: at(20 * DAY) })
      await tombstoneSessionsOfUser(fresh, user.id)
      await deleteUser(fresh, user.id)
      expect(await deleteTombstonesBefore(fresh, cutoff, 10)).toBe(1)
      expect(await listSessionsEndedSince(fresh, T0)).toEqual([{ id: newEnd.id, endedAt: at(20 * DAY) }])
    })
  })
})
