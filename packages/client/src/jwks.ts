import { importJWK, type JWK, type JWTHeaderParameters } from 'jose'
import type { Logger } from './logger.js'

/** The key set could not be fetched and none is cached, or a new `kid` appeared while the fetch fails: nobody can tell. */
export class KeysUnavailableError extends Error {
  constructor() {
    super('the signing keys of sessiond are unavailable')
  }
}

/** A `kid` that is not in a key set fetched just now: the token was not signed by us. */
export class UnknownKeyError extends Error {
  constructor() {
    super('unknown key id')
  }
}

type Key = Awaited<ReturnType<typeof importJWK>>

export interface KeyCacheOptions {
  url: string
  algorithm: string
  fetch: typeof fetch
  timeoutMs: number
  logger: Logger
  /** At most one refetch for an unknown `kid` per this long (random `kid`s must not hammer sessiond). */
  cooldownMs?: number
}

/**
 * The JWKS, cached. Fetched at first use, again for a `kid` it does not know (after a cooldown) and on
 * `keys_changed`; a failed fetch keeps the last good set (jose's remote set would drop it), so an
 * outage of sessiond's JWKS never stops verification of tokens signed by a key we already have.
 */
export function createKeyCache(options: KeyCacheOptions) {
  const cooldownMs = options.cooldownMs ?? 10_000
  let keys: Map<string, Key> | null = null
  let lastAttemptAt = Number.NEGATIVE_INFINITY
  let lastFetchOk = false
  let inflight: Promise<void> | null = null

  async function fetchKeys(): Promise<void> {
    lastAttemptAt = Date.now()
    try {
      const response = await options.fetch(new URL('/.well-known/jwks.json', options.url), {
        signal: AbortSignal.timeout(options.timeoutMs),
        // Our own cache decides; an HTTP cache's copy could be older than the rotation we were told of.
        cache: 'no-store',
      })
      if (!response.ok) throw new Error(`answered ${response.status}`)
      const body = (await response.json()) as { keys?: JWK[] }
      const next = new Map<string, Key>()
      for (const jwk of body.keys ?? []) {
        // Only keys for our one pinned algorithm (RFC 8725): no other key can verify anything here.
        if (!jwk.kid || (jwk.alg && jwk.alg !== options.algorithm) || (jwk.use && jwk.use !== 'sig')) continue
        next.set(jwk.kid, await importJWK(jwk, options.algorithm))
      }
      if (next.size === 0) throw new Error('no usable key')
      keys = next
      lastFetchOk = true
    } catch (error) {
      lastFetchOk = false
      options.logger.warn(`could not fetch the JWKS (${(error as Error).message}); keeping the last good key set`)
    }
  }

  /** One fetch at a time; callers during a fetch share it. */
  function refresh(): Promise<void> {
    inflight ??= fetchKeys().finally(() => {
      inflight = null
    })
    return inflight
  }

  return {
    refresh,

    /** The key for a token's header (jose's key-getter shape). */
    async keyFor(header: JWTHeaderParameters): Promise<Key> {
      const kid = header.kid
      if (!kid) throw new UnknownKeyError()
      if (inflight) await inflight
      const known = keys?.get(kid)
      if (known) return known
      // Within the cooldown we cannot tell a forged kid from a key rotated in a moment ago: ask sessiond.
      if (Date.now() - lastAttemptAt < cooldownMs) throw new KeysUnavailableError()
      await refresh()
      const key = keys?.get(kid)
      if (key) return key
      // Unknown to a key set fetched just now: not signed by sessiond.
      if (!lastFetchOk) throw new KeysUnavailableError()
      throw new UnknownKeyError()
    },
  }
}

export type KeyCache = ReturnType<typeof createKeyCache>
