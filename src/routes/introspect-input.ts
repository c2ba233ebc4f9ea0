import { z } from 'zod'

// RFC 7662 §2.1: `token` is required, `token_type_hint` optional (and only a hint).
export const introspectBody = z.object({
  token: z.string().min(1).max(8192),
  token_type_hint: z.string().max(64).optional(),
})

/** The parsed body as the general route sees it: a form's last value per name wins, as Object.fromEntries does. */
export function parseIntrospectionBody(type: 'form' | 'json', text: string): unknown {
  if (type === 'form') return Object.fromEntries(new URLSearchParams(text))
  return JSON.parse(text) as unknown
}

/**
 * The `token` of a body that `introspectBody` accepts, or null when it would not (malformed JSON,
 * a missing or oversized field): the general route then answers with its 400 and details.
 * `token=<JWT>` alone, with nothing to decode, skips the parser; a JWT is base64url and dots.
 */
export function introspectionInput(type: 'form' | 'json', text: string): string | null {
  if (type === 'form' && text.startsWith('token=') && !/[&%+]/.test(text)) return text.length > 6 ? checkedToken(text.slice(6)) : null
  let input: unknown
  try {
    input = parseIntrospectionBody(type, text)
  } catch {
    return null
  }
  const parsed = introspectBody.safeParse(input)
  return parsed.success ? parsed.data.token : null
}

const checkedToken = (token: string) => (token.length <= 8192 ? token : null)
