import { isCanonicalPath } from '../http/canonical-path.js'

export const ACCOUNT_HOME = '/account'

// A path of ours under /account: non-empty segments of URL path characters (no "//", no backslash,
// no scheme or host can get in), then an optional query. Anything else is the account page itself.
const ACCOUNT_TARGET = /^\/account(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*(?:\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$/
const SIGN_IN = /^\/account\/sign-in(?:[/?]|$)/

/**
 * Where to go after signing in: `next` when it is one of our own /account paths (never another site,
 * never a protocol-relative `//host`, never the sign-in page itself), else /account. No open redirect.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || next.length > 512 || !ACCOUNT_TARGET.test(next) || SIGN_IN.test(next)) return ACCOUNT_HOME
  const path = next.split('?')[0]!
  return isCanonicalPath(path) ? next : ACCOUNT_HOME
}
