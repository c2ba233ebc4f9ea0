import type { RedisClient } from '../stores/redis.js'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import { createMetrics } from '../metrics.js'
import type { Database } from '../stores/db.js'
import type { Denylist } from '../stores/denylist.js'
import { countSessionsActiveSince } from '../stores/sessions.js'
import { countPendingDeliveries } from '../stores/webhook-outbox.js'
import { createAccountService } from './accounts.js'
import { createAdminConsole } from './admin-console.js'
import { createAuditLog } from './audit.js'
import { createConsoleOverview } from './console-overview.js'
import { createCleanupService } from './cleanup.js'
import { createDeviceCookies } from './device-cookies.js'
import { createEventRecorder } from './events.js'
import { createIntrospectionService } from './introspection.js'
import type { KeySet } from './keys.js'
import { createMyAccount } from './my-account.js'
import { createOperatorActions } from './operator-actions.js'
import { createPasswordHasher } from './passwords.js'
import { createRateLimiters } from './rate-limits.js'
import { createReadinessCheck } from './readiness.js'
import { createRevocationService } from './revocation.js'
import { createRevocationStream } from './revocation-stream.js'
import { idleCutoff } from './session-expiry.js'
import { createSealer } from './sealer.js'
import { createSessionService } from './sessions.js'
import { createTokenService } from './tokens.js'
import { createWebhookWorker } from './webhooks.js'

/** The stores and the rest of what the services run on; main.ts and the operator CLIs open them. */
export interface ServiceDeps {
  config: Config
  database: Database
  denylist: Denylist
  /** Shared store for rate limits; null keeps them in memory (embedded mode, operator tools). */
  redis: RedisClient | null
  clock: Clock
  logger: Logger
  keys: KeySet
}

/**
 * Wires every service from its named dependencies (no module-level singletons), and each outcome
 * callback to its metric: services report what happened, nothing else counts it.
 */
export function createServices({ config, database, denylist, redis, clock, logger, keys }: ServiceDeps) {
  const { db } = database
  const passwords = createPasswordHasher({
    params: config.argon2,
    concurrency: config.passwordHashConcurrency,
    queueLimit: config.passwordHashQueueLimit,
  })
  const tokens = createTokenService({
    keys,
    issuer: config.jwtIssuer,
    audience: config.accessTokenAudience,
    accessTokenTtlMs: config.accessTokenTtlMs,
  })
  const metrics = createMetrics({
    activeSessions: () => countSessionsActiveSince(db, idleCutoff(clock.now(), config)),
    webhookQueueDepth: () => countPendingDeliveries(db),
  })
  const revocationStream = createRevocationStream({
    db,
    clock,
    config,
    logger,
    kids: keys.jwks.keys.map((key) => String(key.kid)),
    onSubscribers: (count) => metrics.streamSubscribers.set(count),
    onSent: (event, count) => metrics.streamEvents.inc({ event }, count),
    onLag: (seconds) => metrics.streamLag.observe(seconds),
  })
  const revocation = createRevocationService({
    db,
    denylist,
    clock,
    config,
    logger,
    onLookup: (source) => metrics.denylistLookups.inc({ source }),
    onCommitted: revocationStream.wake,
  })
  const events = createEventRecorder({ webhooksEnabled: config.webhookUrl !== null })
  const audit = createAuditLog({ db })
  const accounts = createAccountService({ db, clock, config, passwords, events, logger })
  const sessions = createSessionService({
    db,
    clock,
    config,
    accounts,
    tokens,
    keys,
    revocation,
    events,
    logger,
    onRefresh: (outcome) => metrics.refreshes.inc({ outcome }),
    onLogin: (result) => metrics.logins.inc({ result }),
  })
  const myAccount = createMyAccount({ db, clock, config, passwords, sessions, revocation, events })
  return {
    /** The app's clock: pages say how long ago something happened by the same time the rules use. */
    clock,
    metrics,
    limits: createRateLimiters(redis, config.redisKeyPrefix, clock),
    deviceCookies: createDeviceCookies(keys.deviceCookieKey),
    /** Seals the hosted pages' one-time messages (integrity, not secrecy). */
    pageNotes: createSealer(keys.pageNoteKey, clock),
    /** The JWKS document: the public keys that verify our access tokens (never the private one). */
    jwks: keys.jwks,
    readiness: createReadinessCheck({ database, denylist, timeoutMs: config.dependencyTimeoutMs }),
    revocation,
    /** GET /revocations/stream: the durable revocation log, tailed and fanned out (see revocation-stream.ts). */
    revocationStream,
    accounts,
    sessions,
    myAccount,
    /** The operators' console: admin sign-in, console sessions, audited changes (see admin-console.ts). */
    adminConsole: createAdminConsole({ clock, config, accounts, sessions, myAccount }),
    /** The console's overview: active sessions and security events per hour. */
    consoleOverview: createConsoleOverview({ db, clock, config }),
    audit,
    operatorActions: createOperatorActions({ config, revocation, events, audit }),
    introspection: createIntrospectionService({ tokens, revocation, clock, onResult: (result) => metrics.introspections.inc({ result }) }),
    cleanup: createCleanupService({ db, clock, config, logger }),
    webhooks: createWebhookWorker({ db, clock, config, logger, onDelivery: (result) => metrics.webhookDeliveries.inc({ result }) }),
  }
}

export type Services = ReturnType<typeof createServices>
