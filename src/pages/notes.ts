import type { Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { Sealer } from '../services/sealer.js'
import type { StatusKind, StatusMessage } from './layout.js'

/**
 * One-time messages across a post/redirect/get ("Signed out Chrome on macOS."): a sealed, short-lived
 * `__Host-` cookie (HttpOnly, SameSite=Strict) that the next page shows once and expires. It holds our
 * own sentence, never a token or a secret, and nothing of it ever goes into a URL.
 */
const NOTE_COOKIE_NAME = 'sessiond_note'
const NOTE_TTL_MS = 60_000
const ATTRIBUTES = { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' } as const

/** A follow-up the page offers with the message. */
export type NoteOffer = 'change-password'

export interface Note extends StatusMessage {
  offer?: NoteOffer
}

const KINDS: readonly StatusKind[] = ['info', 'success', 'error']

export function leaveNote(c: Context, sealer: Sealer, note: Note): void {
  setCookie(c, NOTE_COOKIE_NAME, sealer.seal(JSON.stringify(note), NOTE_TTL_MS), { ...ATTRIBUTES, maxAge: NOTE_TTL_MS / 1000 })
}

/** The note left for this page, if any (read once: the cookie is expired on this answer). */
export function takeNote(c: Context, sealer: Sealer): Note | null {
  const sealed = getCookie(c, NOTE_COOKIE_NAME, 'host')
  if (sealed === undefined) return null
  setCookie(c, NOTE_COOKIE_NAME, '', { ...ATTRIBUTES, maxAge: 0 })
  const text = sealer.open(sealed)
  if (text === null) return null
  try {
    const note = JSON.parse(text) as Note
    if (!KINDS.includes(note.kind) || typeof note.text !== 'string') return null
    return { kind: note.kind, text: note.text, offer: note.offer === 'change-password' ? note.offer : undefined }
  } catch {
    return null
  }
}
