/**
 * The path of a request target as the client sent it: origin-form "/a/b?c" or absolute-form
 * "http://host/a/b?c" (RFC 9112 §3.2), without the query.
 */
export function targetPath(target: string): string {
  let path = target
  const origin = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i.exec(path)
  if (origin) {
    path = path.slice(origin[0].length)
    if (!path.startsWith('/')) path = `/${path}`
  }
  const end = path.search(/[?#]/)
  return end === -1 ? path : path.slice(0, end)
}

/**
 * Whether a path is the only spelling of itself: no "." or ".." segment, no encoded dot, slash or
 * backslash (%2e, %2f, %5c in any case), no raw backslash and no empty segment ("//"). A URL parser
 * resolves or splits those, so a proxy rule matched on the raw path would see another route than we do.
 */
export function isCanonicalPath(path: string): boolean {
  if (!path.startsWith('/')) return false
  if (/%(?:2e|2f|5c)/i.test(path) || path.includes('\\')) return false
  const segments = path.slice(1).split('/')
  return segments.every((segment, index) => segment !== '.' && segment !== '..' && (segment !== '' || index === segments.length - 1))
}
