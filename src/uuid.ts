const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The canonical (lower-case) spelling of a UUID written in any case, or null when `text` is not one.
 * The ids sessiond mints are lower-case, so `canonicalUuid(id) === id` means "exactly as we write it".
 */
export function canonicalUuid(text: string): string | null {
  return UUID.test(text) ? text.toLowerCase() : null
}
