import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Config } from './config.js'
import { AppError, CATALOGUE, DependencyError, publicCode, type ErrorCode } from './errors.js'
import { createClientReader } from './http/client.js'
import { authenticatedByCookie, wantsCookieTransport } from './http/cookies.js'
import { browserCors, protectCrossOrigin } from './http/cross-origin.js'
import type { Locate } from './http/geo.js'
import type { AppEnv } from './http/app-env.js'
import { defaultHeaders } from './http/middleware/default-headers.js'
import { limitBody } from './http/middleware/limit-body.js'
import { limitFailedAuthPerIp } from './http/middleware/rate-limit.js'
import { recordRequests } from './http/middleware/record-requests.js'
import { requestContext } from './http/middleware/request-context.js'
import { requireCanonicalPath } from './http/middleware/require-canonical-path.js'
import { requireMediaType } from './http/middleware/require-media-type.js'
import { createIntrospectionClientCheck } from './http/middleware/require-introspection-client.js'
import { createRequireUser } from './http/middleware/require-user.js'
import { describeError, type Logger } from './logger.js'
import { adminRoutes } from './routes/admin.js'
import { authRoutes } from './routes/auth.js'
import { docsRoutes } from './routes/docs.js'
import { healthRoutes } from './routes/health.js'
import { FORM_BODY_PATHS, introspectRoutes } from './routes/introspect.js'
import { introspectFastPath } from './routes/introspect-fast-path.js'
import { meRoutes } from './routes/me.js'
import { metricsRoutes } from './routes/metrics.js'
import { revocationRoutes } from './routes/revocations.js'
import { wellKnownRoutes } from './routes/well-known.js'
import { accountPages, isPagePath } from './pages/account-routes.js'
import { consolePages, isConsolePath } from './pages/console-routes.js'
import { pageHeaders } from './pages/headers.js'
import type { Services } from './services/index.js'
import { isDependencyFailure } from './stores/connection-errors.js'

export interface AppDeps {
  config: Config
  /** From createServices (services/index.ts), built by main.ts; tests build them the same way. */
  services: Services
  /** The base logger: each request logs through a child carrying its request id. */
  logger: Logger
  /** IP → "City, CC" from GEOIP_DB (see main.ts); none means every location is null. */
  locate?: Locate
}

const REALM = 'realm="sessiond"'
const RETRY_AFTER_SECONDS = 5

/**
 * Builds the HTTP side only: middleware, routes, 404/405 and the one error renderer, on services
 * built elsewhere (main.ts is the composition root). Each route group gets the services it uses.
 */
export function createApp({ config, services, logger, locate }: AppDeps): Hono<AppEnv> {
  const client = createClientReader(config.trustProxy, locate)
  const requireUser = createRequireUser(services.sessions)

  const introspectionClients = createIntrospectionClientCheck(config.introspectionClients)

  const app = new Hono<AppEnv>()
  // Before the general chain: the ordinary POST /introspect, with the chain's headers, metrics and log line.
  app.use(
    '/introspect',
    introspectFastPath({
      introspection: services.introspection,
      clientCheck: introspectionClients,
      badClients: services.limits.clientPerIp,
      client,
      metrics: services.metrics,
      logger,
      renderError,
    }),
  )
  // The hosted pages' headers (CSP, no framing, no-store…) on everything answered under /account and /console, errors included.
  app.use('/account/*', pageHeaders)
  app.use('/console/*', pageHeaders)
  // Known once every route is registered (below); CORS preflights and 405s ask it per request.
  let allowedMethods: (path: string) => string[] = () => []
  const browsers = { publicOrigin: config.publicOrigin, browserOrigins: config.browserOrigins }
  app.use(
    requestContext(logger),
    recordRequests(services.metrics),
    defaultHeaders,
    requireCanonicalPath,
    browserCors({ browserOrigins: config.browserOrigins, allowedMethods: (path) => allowedMethods(path) }),
    // Before anything reads a body or changes state: a refused request changes nothing.
    protectCrossOrigin({ ...browsers, appliesTo: sentWithBrowserCredentials }),
    limitBody,
    requireMediaType((path) => FORM_BODY_PATHS.has(path) || isPagePath(path) || isConsolePath(path)),
  )
  app.route('/', authRoutes(services, config, client))
  app.route('/', meRoutes(services, config, requireUser, client))
  app.route('/', introspectRoutes(services, introspectionClients, client))
  app.route('/', revocationRoutes(services, introspectionClients, client))
  app.route('/', adminRoutes(services, config, client))
  app.route('/', wellKnownRoutes(services.jwks))
  app.route('/', healthRoutes(services.readiness))
  app.route('/', metricsRoutes(services.metrics, config.metricsToken, limitFailedAuthPerIp(services.limits.clientPerIp, client)))
  app.route('/', docsRoutes())
  app.route('/', accountPages(services, config, client, { toAppError }))
  app.route('/', consolePages(services, config, client, { toAppError }))

  allowedMethods = methodsByPath(app.routes)
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path)
    if (allowed.length === 0) return renderError(c, new AppError('not_found'))
    c.header('Allow', allowed.join(', '))
    return renderError(c, new AppError('method_not_allowed'))
  })
  app.onError((error, c) => renderError(c, error))
  return app
}

/**
 * What a cross-site page could make a browser send on its own: an unsafe request authenticated by
 * the session cookies (no Authorization header, a session cookie present: the header judges when
 * both are sent), and a cookie-mode login (login CSRF). Bearer requests cannot be forged that way.
 */
function sentWithBrowserCredentials(c: Context): boolean {
  return authenticatedByCookie(c) || (c.req.path === '/login' && wantsCookieTransport(c))
}

/** The one renderer: every error leaves as `{error, message, details?}` with the contract's headers. */
function renderError(c: Context<AppEnv>, error: unknown): Response {
  const appError = toAppError(c, error)
  const { code, extra } = appError
  if (code === 'unauthorized') c.header('WWW-Authenticate', `Bearer ${REALM}`)
  if (code === 'invalid_token') c.header('WWW-Authenticate', `Bearer ${REALM}, error="invalid_token"`)
  if (code === 'invalid_client') c.header('WWW-Authenticate', `Basic ${REALM}`)
  if (extra.retryAfterSeconds !== undefined) c.header('Retry-After', String(extra.retryAfterSeconds))
  const body: Record<string, unknown> = { error: publicCode(code), message: appError.message }
  if (extra.details !== undefined) body.details = extra.details
  if (extra.reason !== undefined) body.reason = extra.reason
  // Every catalogue status is a literal of a response with a body, so this needs no cast.
  const status: ContentfulStatusCode = CATALOGUE[code].status
  return c.json(body, status)
}

function toAppError(c: Context<AppEnv>, error: unknown): AppError {
  if (error instanceof AppError) return error
  if (error instanceof HTTPException && error.status === 413) return new AppError('payload_too_large')
  if (error instanceof HTTPException && error.status === 400) return new AppError('invalid_request')
  const log = c.get('log')
  if (error instanceof DependencyError || isDependencyFailure(error)) {
    const dependency = error instanceof DependencyError ? error.dependency : 'postgres'
    log?.warn({ dependency }, 'dependency unavailable')
    return new AppError('unavailable', { retryAfterSeconds: RETRY_AFTER_SECONDS })
  }
  log?.error({ err: describeError(error) }, 'unhandled error')
  return new AppError('internal_error' satisfies ErrorCode)
}

/** Path → allowed methods, from the registered routes, for 405 + Allow. */
function methodsByPath(routes: { method: string; path: string }[]) {
  const patterns = routes
    .filter((route) => route.method !== 'ALL')
    .map((route) => ({
      method: route.method,
      regex: new RegExp(`^${route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\?:\w+/g, '[^/]+')}$`),
    }))
  return (path: string): string[] => {
    const methods = new Set(patterns.filter((pattern) => pattern.regex.test(path)).map((pattern) => pattern.method))
    if (methods.has('GET')) methods.add('HEAD')
    return [...methods].sort()
  }
}
