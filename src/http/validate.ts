import type { Context } from 'hono'
import type { z } from 'zod'
import { AppError, type ErrorCode } from '../errors.js'
import { canonicalUuid } from '../uuid.js'
import { readBodyText } from './body.js'

/** zod issues → the `details` clients see: where and what, never the rejected value (it may be a password). */
function issuesToDetails(error: z.ZodError) {
  return error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message }))
}

/** Validates already-parsed input, throwing `400 invalid_request` with details. */
export function validate<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) throw new AppError('invalid_request', { details: issuesToDetails(parsed.error) })
  return parsed.data
}

/** Parses the JSON body (400 invalid_json when it is not JSON) and validates it (400 invalid_request). */
export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  return validate(schema, await readJson(c))
}

export async function readJson(c: Context): Promise<unknown> {
  return parseJson(await readBodyText(c))
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new AppError('invalid_json')
  }
}

/** The media type without parameters, lower-cased: "application/json; charset=utf-8" → "application/json". */
export function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
}

/**
 * A path parameter that names a row by UUID, in its canonical spelling. Anything else cannot name one:
 * `notFound` (the same 404 as an unknown id, so a malformed id is no oracle).
 */
export function uuidParam(text: string, notFound: ErrorCode): string {
  const id = canonicalUuid(text)
  if (!id) throw new AppError(notFound)
  return id
}
