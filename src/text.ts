// Checks on client-supplied text before it is hashed or reaches SQL.

/**
 * False when the string holds a lone UTF-16 surrogate (what String.prototype.isWellFormed tests; JSON
 * "\ud800" escapes produce them). UTF-8 encoding replaces each with U+FFFD, so such text is not itself.
 */
export function isWellFormedUnicode(text: string): boolean {
  return !/\p{Surrogate}/u.test(text)
}

/** Whether Postgres `text` stores this as given: no NUL (an error there), no lone surrogate (U+FFFD there). */
export function fitsPostgresText(text: string): boolean {
  return !text.includes('\u0000') && isWellFormedUnicode(text)
}
