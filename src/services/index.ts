import type { Redis } from 'ioredis'
import type { Clock } from '../clock.js'
import { createMetrics } from '../metrics.js'
import { countSessionsActiveSince } from '../stores/sessions.js'
import { countPendingDeliveries } from '../stores/webhook-outbox.js'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import type { Db } from '../stores/db.js'
import type { Denylist } from '../stores/denylist.js'
import { createAccountService } from './accounts.js'
import { createCleanupService } from './cleanup.js'
import { createDeviceCookies } from './device-cookies.js'
import { createEventRecorder } from './events.js'
import { createIntrospectionService } from './introspection.js'
import type { KeySet } from './keys.js'
import { createPasswordHasher } from './passwords.js'
import { createRateLimiters } from './rate-limits.js'
import { createRevocationService } from './revocation.js'
import { createMyAccount } from './my-account.js'
import { createOperatorActions } from './operator-actions.js'
import { createSessionService } from './sessions.js'
import { createTokenService } from './tokens.js'
import { createWebhookWorker } from './webhooks.js'

export interface ServiceDeps {
  config: Config
  db: Db
  denylist: Denylist
  redis: Redis | null
  clock: Clock
  logger: Logger
  keys: KeySet
}

/** Wires every service from its named dependencies; no module-level singletons. */
export function createServices({ config, db, denylist, redis, clock, logger, keys }: ServiceDeps) {
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
    activeSessions: () => countSessionsActiveSince(db, new Date(clock.now().getTime() - config.sessionIdleTimeoutMs)),
    webhookQueueDepth: () => countPendingDeliveries(db),
  })
  const revocation = createRevocationService({ db, denylist, clock, config, logger, onLookup: (source) => metrics.denylistLookups.inc({ source }) })
  const events = createEventRecorder({ webhooksEnabled: config.webhookUrl !== null })
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
  const introspection = createIntrospectionService({ tokens, revocation, clock, onResult: (result) => metrics.introspections.inc({ result }) })
  const myAccount = createMyAccount({ db, clock, config, passwords, sessions, revocation, events })
  const operatorActions = createOperatorActions({ db, clock, config, revocation, events })
  const cleanup = createCleanupService({ db, clock, config, logger })
  const webhooks = createWebhookWorker({ db, clock, config, logger, onDelivery: (result) => metrics.webhookDeliveries.inc({ result }) })
  const limits = createRateLimiters(redis, config.redisKeyPrefix, clock)
  const deviceCookies = createDeviceCookies(keys.deviceCookieKey)
  return { db, clock, metrics, limits, deviceCookies, webhooks, passwords, tokens, revocation, accounts, sessions, myAccount, operatorActions, introspection, cleanup }
}

export type Services = ReturnType<typeof createServices>
