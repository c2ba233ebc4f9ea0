import type { ClientInfo } from '../client-info.js'
import type { Logger } from '../logger.js'
import type { Auth } from '../services/sessions.js'
import type { SessionRow } from '../stores/schema.js'

/** What the middleware sets on a request's context (`c.var`), for every route and middleware. */
export type AppEnv = {
  Variables: {
    requestId: string
    log: Logger
    auth: Auth
    session: SessionRow
    client: ClientInfo
    clientIp: string | null
    introspectionClientId: string
    /** Fingerprint of the admin key that authenticated the request (never the key). */
    adminKey: string
  }
}
