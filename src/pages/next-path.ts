import { isCanonicalPath } from '../http/canonical-path.js'

export const ACCOUNT_HOME = '/account'

/** The hosted pages' homes: each one's sign-in returns only to its own paths. */
export type PagesHome = '/account' | '/console'

// A path of ours under the home: non-empty segments of URL path characters (no "//", no backslash,
// no scheme or host can get in), then an optional query. Anything else is the home page itself.
const target = (home: PagesHome) => new RegExp(`^${home}(?:\\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*(?:\\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$`)
const signIn = (home: PagesHome) => new RegExp(`^${home}\\/sign-in(?:[/?]|$)`)
const RULES = {
  '/account': { target: target('/account'), signIn: signIn('/account') },
  '/console': { target: target('/console'), signIn: signIn('/console') },
} as const

/**
 * Where to go after signing in: `next` when it is one of our own paths under `home` (never another
 * site, never a protocol-relative `//host`, never the sign-in page itself), else `home`. No open redirect.
 */
export function safeNext(next: string | null | undefined, home: PagesHome = ACCOUNT_HOME): string {
  const rules = RULES[home]
  if (!next || next.length > 512 || !rules.target.test(next) || rules.signIn.test(next)) return home
  const path = next.split('?')[0]!
  return isCanonicalPath(path) ? next : home
}
