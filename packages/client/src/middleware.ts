import { VerifierUnavailableError, type Verdict, type Verifier } from './verifier.js'

/** What a protected route knows about its caller. */
export type Auth = Extract<Verdict, { active: true }>

export interface GuardOptions {
  /** The `realm` of the RFC 6750 challenge (default `api`). */
  realm?: string
}

/** The answer when a request may not pass: status, headers and a sessiond-style error body. */
export interface Refusal {
  status: 400 | 401 | 503
  headers: Record<string, string>
  body: { error: string; message: string }
}

/**
 * The framework-free core of every adapter: a request's Authorization header → its caller, or the
 * refusal to send. 401 with the RFC 6750 §3.1 challenge for no or a bad token, 400 for a header that
 * is not `Bearer <token>`, 503 + Retry-After when nothing can decide. Never a pass by default.
 */
export async function authenticate(verifier: Verifier, authorization: string | undefined, options: GuardOptions = {}): Promise<{ auth: Auth } | { refusal: Refusal }> {
  const realm = `realm="${options.realm ?? 'api'}"`
  if (!authorization) {
    return { refusal: { status: 401, headers: { 'WWW-Authenticate': `Bearer ${realm}` }, body: { error: 'unauthorized', message: 'A Bearer access token is required.' } } }
  }
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization)
  if (!match) {
    return {
      refusal: {
        status: 400,
        headers: { 'WWW-Authenticate': `Bearer ${realm}, error="invalid_request"` },
        body: { error: 'invalid_request', message: 'The Authorization header must be "Bearer <token>".' },
      },
    }
  }
  try {
    const verdict = await verifier.verify(match[1]!)
    if (verdict.active) return { auth: verdict }
  } catch (error) {
    if (!(error instanceof VerifierUnavailableError)) throw error
    return {
      refusal: {
        status: 503,
        headers: { 'Retry-After': String(error.retryAfterSeconds) },
        body: { error: 'unavailable', message: 'The token cannot be checked right now; try again shortly.' },
      },
    }
  }
  return {
    refusal: {
      status: 401,
      headers: { 'WWW-Authenticate': `Bearer ${realm}, error="invalid_token"` },
      body: { error: 'invalid_token', message: 'The access token is invalid, expired or revoked.' },
    },
  }
}
