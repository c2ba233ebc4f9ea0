import { jwtVerify } from 'jose'
import { createKeyCache, KeysUnavailableError } from './jwks.js'
import { consoleLogger, type Logger } from './logger.js'
import { decide, emptyKnowledge } from './rule.js'
import { subscribeToRevocations, type RevocationSubscriber } from './stream.js'

export type VerifierMode = 'stream' | 'introspect' | 'offline'

export interface VerifierOptions {
  /** sessiond's base URL, e.g. `https://sessions.internal`. */
  url: string
  /** An introspection client from sessiond's INTROSPECTION_CLIENTS (the stream and /introspect use it). */
  clientId: string
  clientSecret: string
  /** The `aud` your tokens carry (sessiond's ACCESS_TOKEN_AUDIENCE). */
  audience: string
  /** sessiond's JWT_ISSUER (default `sessiond`). */
  issuer?: string
  /**
   * `stream` (default): verify offline, follow the revocation stream, ask /introspect whenever
   * freshness is unknown. `introspect`: ask on every call. `offline`: the JWKS only — a revoked
   * session's tokens stay valid until they expire (an explicit opt-in; it says so in the log).
   */
  mode?: VerifierMode
  /** Stream mode: accept offline only while the last heartbeat is younger than this (default 5000 ms; above STREAM_HEARTBEAT). */
  maxStalenessMs?: number
  /** Each call to sessiond (introspection, JWKS) gives up after this long (default 2000 ms). */
  timeoutMs?: number
  logger?: Logger
  /** For tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch
}

/** Where an answer came from: verified here (`offline`) or asked of sessiond (`introspect`). */
export type Via = 'offline' | 'introspect'

export type Verdict = { active: true; sub: string; sid: string; exp: number; via: Via } | { active: false; via: Via }

/** Neither offline verification nor /introspect could decide: refuse (503), never accept. */
export class VerifierUnavailableError extends Error {
  readonly retryAfterSeconds = 5
  constructor(cause?: unknown) {
    super('cannot tell whether the token is valid: sessiond is unreachable', { cause })
  }
}

/** RFC 8725: one pinned algorithm; sessiond signs with EdDSA (Ed25519). */
const ALGORITHM = 'EdDSA'
/** The contract's largest clock leeway. */
const CLOCK_TOLERANCE_SECONDS = 5
/** Revocations are kept this long in memory; tokens issued before that are asked about (they have long expired). */
const FORGET_AFTER_MS = 60 * 60_000

export interface Verifier {
  verify(token: string): Promise<Verdict>
  /** Stream mode: resolves once the first snapshot or heartbeat has arrived (or after `timeoutMs`, whichever first). */
  ready(timeoutMs?: number): Promise<boolean>
  /** Stops following the stream. */
  close(): void
  readonly mode: VerifierMode
}

export function createVerifier(options: VerifierOptions): Verifier {
  const mode = options.mode ?? 'stream'
  const logger = options.logger ?? consoleLogger
  const fetchFn = options.fetch ?? globalThis.fetch
  const timeoutMs = options.timeoutMs ?? 2000
  const maxStalenessMs = options.maxStalenessMs ?? 5000
  const issuer = options.issuer ?? 'sessiond'
  // RFC 6749 §2.3.1: form-encoded inside Basic, as sessiond decodes them.
  const authorization = `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString('base64')}`
  const keys = createKeyCache({ url: options.url, algorithm: ALGORITHM, fetch: fetchFn, timeoutMs, logger })
  const knowledge = emptyKnowledge()
  let subscriber: RevocationSubscriber | null = null

  if (mode !== 'introspect') void keys.refresh()
  if (mode === 'stream') {
    subscriber = subscribeToRevocations({
      url: options.url,
      authorization,
      knowledge,
      stallMs: maxStalenessMs,
      forgetAfterMs: FORGET_AFTER_MS,
      onKeysChanged: () => void keys.refresh(),
      logger,
      fetch: fetchFn,
    })
  }
  if (mode === 'offline') {
    logger.warn('offline mode: a revoked session keeps working until its access token expires (up to ACCESS_TOKEN_TTL); use mode "stream" to see revocations at once')
  }

  /** Signature and registered claims (RFC 8725, RFC 9068); null when the token is not one of ours. */
  async function verifyLocally(token: string) {
    try {
      const { payload } = await jwtVerify(token, keys.keyFor, {
        algorithms: [ALGORITHM],
        typ: 'at+jwt',
        issuer,
        audience: options.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'sid', 'iat', 'exp'],
      })
      if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') return null
      return { sub: payload.sub, sid: payload.sid, exp: payload.exp!, iat: payload.iat! }
    } catch (error) {
      // Keys we cannot get are our problem (ask sessiond); anything else (signature, claims, kid) is the token's.
      if (error instanceof KeysUnavailableError) throw error
      return null
    }
  }

  async function introspect(token: string): Promise<Verdict> {
    let body: Record<string, unknown>
    try {
      const response = await fetchFn(new URL('/introspect', options.url), {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      })
      if (response.status === 401) logger.error('sessiond refused /introspect: check clientId and clientSecret')
      if (response.status !== 200) throw new Error(`/introspect answered ${response.status}`)
      body = (await response.json()) as Record<string, unknown>
    } catch (error) {
      throw new VerifierUnavailableError(error)
    }
    const audiences = Array.isArray(body.aud) ? body.aud : [body.aud]
    // Active for another audience is not active for us.
    if (body.active !== true || !audiences.includes(options.audience) || typeof body.sid !== 'string' || typeof body.sub !== 'string') {
      return { active: false, via: 'introspect' }
    }
    return { active: true, sub: body.sub, sid: body.sid, exp: Number(body.exp), via: 'introspect' }
  }

  async function verify(token: string): Promise<Verdict> {
    if (mode === 'introspect') return introspect(token)
    let claims
    try {
      claims = await verifyLocally(token)
    } catch (error) {
      if (mode === 'offline') throw new VerifierUnavailableError(error)
      return introspect(token)
    }
    if (!claims) return { active: false, via: 'offline' }
    const active = { active: true as const, sub: claims.sub, sid: claims.sid, exp: claims.exp, via: 'offline' as const }
    if (mode === 'offline') return active
    switch (decide(knowledge, claims, Date.now(), maxStalenessMs)) {
      case 'accept':
        return active
      case 'revoked':
        return { active: false, via: 'offline' }
      case 'ask':
        return introspect(token)
    }
  }

  return {
    mode,
    verify,
    async ready(waitMs = timeoutMs) {
      if (mode !== 'stream') return true
      const deadline = Date.now() + waitMs
      while (!knowledge.fresh && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      return knowledge.fresh !== null
    },
    close() {
      subscriber?.close()
    },
  }
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+')
}
