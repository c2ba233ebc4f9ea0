import type { Context } from 'hono'
import { z } from 'zod'
import { isWellFormedUnicode } from '../text.js'
import { readBodyText } from './body.js'
import { parseJson, validate } from './validate.js'

/** The longest operator's note, in characters (code points). */
export const MAX_REASON_LENGTH = 500

// Control characters (but tab and line breaks) would reach the user's screen and the audit log.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/

/**
 * The operator's note on a revocation or account action: plain text (no control characters but
 * tab and line breaks, no lone surrogates), at most 500 characters; trimmed, and blank means none.
 */
export const reasonField = z
  .string()
  .refine((text) => [...text].length <= MAX_REASON_LENGTH, `Must be at most ${MAX_REASON_LENGTH} characters.`)
  .refine((text) => isWellFormedUnicode(text) && !CONTROL.test(text), 'Must be plain text (no control characters).')
  .transform((text) => text.trim() || null)

const reasonBody = z.object({ reason: reasonField.nullish() })

/** The optional `{"reason": "…"}` body of an operator action; a request without a body gives none. */
export async function readReason(c: Context): Promise<string | null> {
  const text = await readBodyText(c)
  if (text === '') return null
  return validate(reasonBody, parseJson(text)).reason ?? null
}
