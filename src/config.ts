import { z } from 'zod'
import { parseDurationMs } from './duration.js'

/** A setting that stops start-up; `message` is the one line an operator sees. */
export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`)
  }
}

export type SessionLimitPolicy = 'evict_oldest' | 'reject'
/** `false`, a hop count, or a list of CIDRs/addresses whose X-Forwarded-For is believed. */
export type TrustProxy = false | number | string[]

export interface IntrospectionClient {
  id: string
  secret: string
}

/** One `host:port` of a Sentinel or Cluster node. */
export interface RedisNode {
  host: string
  port: number
}

/** Which Redis the denylist and the rate limits use: exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES. */
export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | { kind: 'sentinel'; sentinels: RedisNode[]; name: string }
  | { kind: 'cluster'; nodes: RedisNode[] }

export interface Argon2Params {
  memoryKib: number
  timeCost: number
  parallelism: number
}

export interface Config {
  port: number
  databaseUrl: string | null
  /** False behind a transaction-mode pooler (PgBouncer): no prepared statements, no session state. */
  databasePrepare: boolean
  /** A direct connection for migrations (past the pooler), or null to migrate over DATABASE_URL. */
  migrationDatabaseUrl: string | null
  /** The REDIS_URL of a standalone Redis, else null (see `redis` for every topology). */
  redisUrl: string | null
  redis: RedisTopology | null
  /** Replicas that must acknowledge a denylist write (Redis WAIT) before a revocation answers 2xx. */
  redisWaitReplicas: number
  redisKeyPrefix: string
  dataDir: string
  jwtPrivateKey: string | null
  jwtPreviousPublicKeys: string[]
  jwtIssuer: string
  accessTokenAudience: string
  accessTokenTtlMs: number
  sessionIdleTimeoutMs: number
  sessionAbsoluteTtlMs: number
  /** Console sessions (an admin's console sign-in) have their own, shorter, timeouts. */
  consoleIdleTimeoutMs: number
  consoleAbsoluteTtlMs: number
  refreshReuseGraceMs: number
  maxSessionsPerUser: number
  sessionLimitPolicy: SessionLimitPolicy
  trustProxy: TrustProxy
  geoipDb: string | null
  adminApiKeys: string[]
  introspectionClients: IntrospectionClient[]
  webhookUrl: string | null
  webhookSecret: string | null
  registrationEnabled: boolean
  passwordMinLength: number
  reauthWindowMs: number
  metricsToken: string | null
  logLevel: string
  argon2: Argon2Params
  passwordHashConcurrency: number
  passwordHashQueueLimit: number
  dependencyTimeoutMs: number
  redisTimeoutMs: number
  denylistReconcileMs: number
  shutdownGraceMs: number
  sessionRetentionMs: number
  eventRetentionMs: number
  auditRetentionMs: number
  cleanupIntervalMs: number
  webhookPollMs: number
  webhookRetryBaseMs: number
  webhookMaxAttempts: number
  /** Exact origins (`https://app.example.com`) of browser frontends: credentialed CORS, cross-origin checks. */
  browserOrigins: string[]
  /** sessiond's public URL as browsers reach it, or null (then its own origin is judged by the Host header). */
  publicUrl: string | null
  /** The origin of `publicUrl`. */
  publicOrigin: string | null
  /** How often the revocation stream sends a heartbeat (and, at the latest, sees another instance's revocation). */
  streamHeartbeatMs: number
}

type Env = Record<string, string | undefined>

const MIN_SECRET_LENGTH = 32

/** Reads one variable: unset or empty means "use the default". */
function read(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

function duration(env: Env, name: string, fallback: string): number {
  const raw = read(env, name) ?? fallback
  const ms = parseDurationMs(raw)
  if (ms === null || ms <= 0) throw new ConfigError(name, `expected a duration like 90s, 15m or 7d, got "${raw}"`)
  return ms
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`)
  }
  return value
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (/^(true|1|yes)$/i.test(raw)) return true
  if (/^(false|0|no)$/i.test(raw)) return false
  throw new ConfigError(name, `expected true or false, got "${raw}"`)
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name) ?? fallback
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`)
  }
  return raw as T
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = read(env, name)
  if (raw === undefined) return null
  const parsed = z.url().safeParse(raw)
  if (!parsed.success || !protocols.includes(new URL(raw).protocol)) {
    // Never echo the value: connection strings carry passwords.
    throw new ConfigError(name, `expected a ${protocols.join(' or ')} URL`)
  }
  return raw
}

function trustProxy(env: Env): TrustProxy {
  const raw = read(env, 'TRUST_PROXY')
  if (raw === undefined || raw === 'false') return false
  if (/^\d+$/.test(raw)) return Number(raw)
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean)
  const cidr = /^([0-9a-fA-F:.]+)(\/\d{1,3})?$|^(loopback|linklocal|uniquelocal)$/
  if (entries.length === 0 || !entries.every((entry) => cidr.test(entry))) {
    throw new ConfigError('TRUST_PROXY', 'expected false, a hop count, or a comma-separated list of CIDRs')
  }
  return entries
}

function adminKeys(env: Env): string[] {
  const raw = read(env, 'ADMIN_API_KEY')
  if (raw === undefined) return []
  const keys = raw.split(',').map((key) => key.trim())
  if (keys.length > 2) throw new ConfigError('ADMIN_API_KEY', 'at most two comma-separated keys (current and next)')
  if (keys.some((key) => key.length < MIN_SECRET_LENGTH)) {
    throw new ConfigError('ADMIN_API_KEY', `every key must be at least ${MIN_SECRET_LENGTH} characters`)
  }
  return keys
}

function introspectionClients(env: Env): IntrospectionClient[] {
  const raw = read(env, 'INTROSPECTION_CLIENTS')
  if (raw === undefined) return []
  return raw.split(',').map((pair, index) => {
    const colon = pair.indexOf(':')
    const id = pair.slice(0, colon).trim()
    const secret = pair.slice(colon + 1).trim()
    if (colon <= 0 || !/^[A-Za-z0-9._-]+$/.test(id)) {
      throw new ConfigError('INTROSPECTION_CLIENTS', `entry ${index + 1} must be id:secret`)
    }
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigError('INTROSPECTION_CLIENTS', `the secret of client "${id}" must be at least ${MIN_SECRET_LENGTH} characters`)
    }
    return { id, secret }
  })
}

/** BROWSER_ORIGINS: exact serialised origins, as a browser sends them in `Origin`. */
function browserOrigins(env: Env): string[] {
  const raw = read(env, 'BROWSER_ORIGINS')
  if (raw === undefined) return []
  const entries = raw.split(',').map((entry) => entry.trim())
  for (const entry of entries) {
    let origin: string | null = null
    try {
      const parsed = new URL(entry)
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') origin = parsed.origin
    } catch {
      /* refused below */
    }
    // The serialised origin must be the entry itself: no path, query, trailing slash, credentials,
    // default port or upper case, which a browser's Origin header never carries.
    if (origin !== entry) {
      throw new ConfigError('BROWSER_ORIGINS', `expected comma-separated origins like https://app.example.com (no path or trailing slash), got ${JSON.stringify(entry)}`)
    }
  }
  return [...new Set(entries)]
}

/** PUBLIC_URL: an absolute http(s) URL; only its origin is used. */
function publicUrl(env: Env): string | null {
  const raw = read(env, 'PUBLIC_URL')
  if (raw === undefined) return null
  let parsed: URL | null = null
  try {
    parsed = new URL(raw)
  } catch {
    /* refused below */
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.username !== '' || parsed.password !== '') {
    throw new ConfigError('PUBLIC_URL', 'expected an absolute http or https URL like https://sessions.example.com')
  }
  return raw
}

/** `host:port,host:port` (IPv6 in brackets); the port defaults to `defaultPort`. */
function redisNodes(env: Env, name: string, defaultPort: number): RedisNode[] | null {
  const raw = read(env, name)
  if (raw === undefined) return null
  return raw.split(',').map((entry) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(entry.trim())
    const port = match?.[3] === undefined ? defaultPort : Number(match[3])
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(name, `expected comma-separated host:port entries like 10.0.0.1:${defaultPort}, got ${JSON.stringify(entry)}`)
    }
    return { host: match[1] ?? match[2]!, port }
  })
}

/** REDIS_URL, REDIS_SENTINELS (+ REDIS_SENTINEL_NAME) or REDIS_CLUSTER_NODES: one of them, or none. */
function redisTopology(env: Env): RedisTopology | null {
  const standalone = url(env, 'REDIS_URL', ['redis:', 'rediss:'])
  const sentinels = redisNodes(env, 'REDIS_SENTINELS', 26379)
  const clusterNodes = redisNodes(env, 'REDIS_CLUSTER_NODES', 6379)
  const given = [standalone && 'REDIS_URL', sentinels && 'REDIS_SENTINELS', clusterNodes && 'REDIS_CLUSTER_NODES'].filter(Boolean)
  if (given.length > 1) throw new ConfigError(given[1]!, `set only one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES (got ${given.join(' and ')})`)
  const name = read(env, 'REDIS_SENTINEL_NAME')
  if (sentinels && !name) throw new ConfigError('REDIS_SENTINEL_NAME', 'required with REDIS_SENTINELS (the master name the sentinels monitor)')
  if (!sentinels && name) throw new ConfigError('REDIS_SENTINEL_NAME', 'only meaningful with REDIS_SENTINELS')
  if (standalone) return { kind: 'standalone', url: standalone }
  if (sentinels) return { kind: 'sentinel', sentinels, name: name! }
  if (clusterNodes) return { kind: 'cluster', nodes: clusterNodes }
  return null
}

/** DATABASE_PREPARE, or `?prepare=` in DATABASE_URL (as postgres.js reads it); both must agree. */
function databasePrepare(env: Env, databaseUrl: string | null): boolean {
  const fromUrl = databaseUrl === null ? null : new URL(databaseUrl).searchParams.get('prepare')
  if (fromUrl !== null && fromUrl !== 'true' && fromUrl !== 'false') {
    throw new ConfigError('DATABASE_URL', 'the prepare parameter must be true or false')
  }
  const fromEnv = read(env, 'DATABASE_PREPARE') === undefined ? null : boolean(env, 'DATABASE_PREPARE', true)
  if (fromUrl !== null && fromEnv !== null && (fromUrl === 'true') !== fromEnv) {
    throw new ConfigError('DATABASE_PREPARE', 'disagrees with the prepare parameter in DATABASE_URL')
  }
  return fromEnv ?? (fromUrl === null ? true : fromUrl === 'true')
}

/** Parses the environment once; the result is frozen and is the only view of env the app gets. */
export function loadConfig(env: Env): Config {
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'])
  const jwtPrivateKey = read(env, 'JWT_PRIVATE_KEY') ?? null
  if (databaseUrl && !jwtPrivateKey) {
    throw new ConfigError('JWT_PRIVATE_KEY', 'required when DATABASE_URL is set (generate one with npm run keys:generate)')
  }
  const sessionIdleTimeoutMs = duration(env, 'SESSION_IDLE_TIMEOUT', '7d')
  const sessionAbsoluteTtlMs = duration(env, 'SESSION_ABSOLUTE_TTL', '30d')
  const webhookUrl = url(env, 'WEBHOOK_URL', ['http:', 'https:'])
  const webhookSecret = read(env, 'WEBHOOK_SECRET') ?? null
  const ownUrl = publicUrl(env)
  if (webhookUrl && !webhookSecret) throw new ConfigError('WEBHOOK_SECRET', 'required when WEBHOOK_URL is set')
  const migrationDatabaseUrl = url(env, 'MIGRATION_DATABASE_URL', ['postgres:', 'postgresql:'])
  if (migrationDatabaseUrl && !databaseUrl) throw new ConfigError('MIGRATION_DATABASE_URL', 'only meaningful with DATABASE_URL')
  const redis = redisTopology(env)
  // Sentinel and Cluster exist for failover: a write only a master holds can vanish in one.
  const replicated = redis !== null && redis.kind !== 'standalone'
  const redisWaitReplicas = integer(env, 'REDIS_WAIT_REPLICAS', replicated ? 1 : 0, 0, 16)
  if (redisWaitReplicas > 0 && redis === null) throw new ConfigError('REDIS_WAIT_REPLICAS', 'only meaningful with a Redis')

  const config: Config = {
    port: integer(env, 'PORT', 3000, 1, 65535),
    databaseUrl,
    databasePrepare: databasePrepare(env, databaseUrl),
    migrationDatabaseUrl,
    redisUrl: redis?.kind === 'standalone' ? redis.url : null,
    redis,
    redisWaitReplicas,
    redisKeyPrefix: read(env, 'REDIS_KEY_PREFIX') ?? 'sessiond:',
    dataDir: read(env, 'DATA_DIR') ?? './data',
    jwtPrivateKey,
    jwtPreviousPublicKeys: splitPemOrJwkList(read(env, 'JWT_PREVIOUS_PUBLIC_KEYS')),
    jwtIssuer: read(env, 'JWT_ISSUER') ?? 'sessiond',
    accessTokenAudience: read(env, 'ACCESS_TOKEN_AUDIENCE') ?? 'sessiond',
    accessTokenTtlMs: duration(env, 'ACCESS_TOKEN_TTL', '15m'),
    sessionIdleTimeoutMs,
    sessionAbsoluteTtlMs,
    consoleIdleTimeoutMs: duration(env, 'CONSOLE_IDLE_TIMEOUT', '30m'),
    consoleAbsoluteTtlMs: duration(env, 'CONSOLE_ABSOLUTE_TTL', '12h'),
    refreshReuseGraceMs: duration(env, 'REFRESH_REUSE_GRACE', '10s'),
    maxSessionsPerUser: integer(env, 'MAX_SESSIONS_PER_USER', 0, 0, 10_000),
    sessionLimitPolicy: oneOf(env, 'SESSION_LIMIT_POLICY', ['evict_oldest', 'reject'], 'evict_oldest'),
    trustProxy: trustProxy(env),
    geoipDb: read(env, 'GEOIP_DB') ?? null,
    adminApiKeys: adminKeys(env),
    introspectionClients: introspectionClients(env),
    webhookUrl,
    webhookSecret,
    registrationEnabled: boolean(env, 'REGISTRATION_ENABLED', true),
    passwordMinLength: integer(env, 'PASSWORD_MIN_LENGTH', 12, 8, 256),
    reauthWindowMs: duration(env, 'REAUTH_WINDOW', '30m'),
    metricsToken: read(env, 'METRICS_TOKEN') ?? null,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    argon2: {
      // OWASP's argon2id minimum (m=19 MiB, t=2, p=1); stronger values are allowed, weaker are refused.
      memoryKib: integer(env, 'ARGON2_MEMORY_KIB', 19_456, 19_456, 4_194_304),
      timeCost: integer(env, 'ARGON2_TIME_COST', 2, 2, 100),
      parallelism: integer(env, 'ARGON2_PARALLELISM', 1, 1, 64),
    },
    passwordHashConcurrency: integer(env, 'PASSWORD_HASH_CONCURRENCY', 4, 1, 256),
    passwordHashQueueLimit: integer(env, 'PASSWORD_HASH_QUEUE', 64, 0, 100_000),
    dependencyTimeoutMs: duration(env, 'DEPENDENCY_TIMEOUT', '2s'),
    redisTimeoutMs: duration(env, 'REDIS_TIMEOUT', '500ms'),
    denylistReconcileMs: duration(env, 'DENYLIST_RECONCILE_INTERVAL', '5s'),
    shutdownGraceMs: duration(env, 'SHUTDOWN_GRACE', '10s'),
    sessionRetentionMs: duration(env, 'SESSION_RETENTION', '30d'),
    eventRetentionMs: duration(env, 'EVENT_RETENTION', '90d'),
    auditRetentionMs: duration(env, 'AUDIT_RETENTION', '400d'),
    cleanupIntervalMs: duration(env, 'CLEANUP_INTERVAL', '1h'),
    webhookPollMs: duration(env, 'WEBHOOK_POLL_INTERVAL', '1s'),
    webhookRetryBaseMs: duration(env, 'WEBHOOK_RETRY_BASE', '5s'),
    webhookMaxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 12, 1, 100),
    browserOrigins: browserOrigins(env),
    publicUrl: ownUrl,
    publicOrigin: ownUrl === null ? null : new URL(ownUrl).origin,
    streamHeartbeatMs: duration(env, 'STREAM_HEARTBEAT', '2s'),
  }
  // Each heartbeat polls the ledger once per instance; slower than a minute, verifiers would ask /introspect most of the time.
  if (config.streamHeartbeatMs < 100 || config.streamHeartbeatMs > 60_000) {
    throw new ConfigError('STREAM_HEARTBEAT', 'must be from 100ms to 60s')
  }
  // The denylist is rebuilt from sessions ended within the access TTL: they must still be in the ledger.
  if (config.sessionRetentionMs < config.accessTokenTtlMs + 3_600_000) {
    throw new ConfigError('SESSION_RETENTION', 'must be at least ACCESS_TOKEN_TTL plus one hour')
  }
  return Object.freeze(config)
}

/** JWT_PREVIOUS_PUBLIC_KEYS holds PEM blocks and/or a JSON array of JWKs. */
function splitPemOrJwkList(raw: string | undefined): string[] {
  if (raw === undefined) return []
  const trimmed = raw.trim()
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed)
      if (Array.isArray(parsed)) return parsed.map((jwk) => JSON.stringify(jwk))
    } catch {
      /* fall through to the error below */
    }
    throw new ConfigError('JWT_PREVIOUS_PUBLIC_KEYS', 'expected a JSON array of JWKs or PEM public keys')
  }
  const pems = trimmed.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g)
  if (!pems) throw new ConfigError('JWT_PREVIOUS_PUBLIC_KEYS', 'expected a JSON array of JWKs or PEM public keys')
  return pems
}
