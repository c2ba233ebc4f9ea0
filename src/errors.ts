/** Every error code a client can see, with its status and the one human sentence it carries. */
export const CATALOGUE = {
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_request: { status: 400, message: 'The request is not valid.' },
  cannot_revoke_current_session: { status: 400, message: 'Use /logout to end the current session.' },
  unauthorized: { status: 401, message: 'Authentication is required.' },
  invalid_token: { status: 401, message: 'The access token is invalid, expired or revoked.' },
  invalid_credentials: { status: 401, message: 'The email or password is incorrect.' },
  // The same code as a 403 where the caller is already authenticated: the access token is fine,
  // only the password they re-typed is wrong (a 401 would make clients drop their tokens).
  wrong_password: { status: 403, message: 'The password is incorrect.', error: 'invalid_credentials' },
  invalid_client: { status: 401, message: 'Client authentication failed.' },
  invalid_refresh_token: { status: 401, message: 'The refresh token is not recognised.' },
  refresh_token_reused: { status: 401, message: 'The refresh token was already used; the session has been revoked.' },
  session_expired: { status: 401, message: 'The session has expired.' },
  session_revoked: { status: 401, message: 'The session has been revoked.' },
  registration_disabled: { status: 403, message: 'Registration is disabled.' },
  reauthentication_required: { status: 403, message: 'Confirm your password to do this.' },
  cross_origin_request: { status: 403, message: 'Cross-origin requests are not allowed here.' },
  not_found: { status: 404, message: 'There is no such route.' },
  session_not_found: { status: 404, message: 'There is no such active session.' },
  user_not_found: { status: 404, message: 'There is no such user.' },
  method_not_allowed: { status: 405, message: 'This route does not accept that method.' },
  email_taken: { status: 409, message: 'An account with this email already exists.' },
  session_limit_reached: { status: 409, message: 'The maximum number of concurrent sessions has been reached.' },
  payload_too_large: { status: 413, message: 'The request body exceeds 64 KiB.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as application/json.' },
  rate_limited: { status: 429, message: 'Too many attempts; try again later.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  unavailable: { status: 503, message: 'A dependency is unavailable; try again shortly.' },
} as const satisfies Record<string, { status: number; message: string; error?: string }>

/** The `error` string clients see for a catalogue entry. */
export function publicCode(code: ErrorCode): string {
  const entry = CATALOGUE[code]
  return 'error' in entry ? entry.error : code
}

export type ErrorCode = keyof typeof CATALOGUE

/** Why the ledger ended a session (`sessions.end_reason`). */
export type EndReason = 'logout' | 'revoked' | 'evicted' | 'password_changed' | 'reuse_detected' | 'admin' | 'account_disabled'

export interface AppErrorExtra {
  details?: unknown
  /** Why a session ended, for `401 session_revoked`. */
  reason?: EndReason
  /** Seconds, for 429 and 503. */
  retryAfterSeconds?: number
  /** A more specific sentence than the catalogue's, when it helps the caller. */
  message?: string
}

/** The one error services throw; `app.onError` turns it into the contract's JSON body. */
export class AppError extends Error {
  constructor(readonly code: ErrorCode, readonly extra: AppErrorExtra = {}) {
    super(extra.message ?? CATALOGUE[code].message)
  }

  get status(): number {
    return CATALOGUE[this.code].status
  }
}

/** A dependency (Postgres, Redis) failed or timed out; rendered as 503 with Retry-After. */
export class DependencyError extends Error {
  constructor(readonly dependency: 'postgres' | 'redis', cause?: unknown) {
    super(`${dependency} unavailable`, { cause })
  }
}
