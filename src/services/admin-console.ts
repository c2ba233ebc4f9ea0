import type { Clock } from '../clock.js'
import type { ClientInfo } from '../client-info.js'
import type { Config } from '../config.js'
import { AppError } from '../errors.js'
import type { SessionRow } from '../stores/schema.js'
import type { AccountService } from './accounts.js'
import type { OperatorCall } from './audit.js'
import type { MyAccount } from './my-account.js'
import type { SessionService } from './sessions.js'

/** An admin signed in to the console, behind a console credential. */
export interface ConsoleAuth {
  admin: { id: string; email: string }
  /** The console session (kind `console`). */
  session: SessionRow
}

export interface AdminConsoleDeps {
  clock: Clock
  config: Pick<Config, 'reauthWindowMs'>
  accounts: AccountService
  sessions: SessionService
  myAccount: MyAccount
}

/**
 * The console's sessions (the /console pages call these; the cookie holds the credential): only an
 * admin signs in, the session is valid for the console only, and every change it makes goes through
 * operatorActions with an OperatorCall from `operatorCall`, so it is audited under the admin's name.
 */
export function createAdminConsole({ clock, config, accounts, sessions, myAccount }: AdminConsoleDeps) {
  /** Whether the console session's last password proof is older than REAUTH_WINDOW. */
  const needsReauthentication = (auth: ConsoleAuth) => clock.now().getTime() - auth.session.authTime.getTime() > config.reauthWindowMs
  return {
    needsReauthentication,

    /**
     * Signs an admin in: a new console session and its credential. A wrong password, a disabled
     * account and an account without the admin role all get the same `invalid_credentials`, after
     * the same password check.
     */
    async signIn(email: string, password: string, client: ClientInfo): Promise<{ auth: ConsoleAuth; token: string }> {
      const user = await accounts.checkCredentials(email, password, client)
      if (!user.isAdmin) throw new AppError('invalid_credentials')
      const { session, token } = await sessions.openConsoleSession(user, client)
      return { auth: { admin: { id: user.id, email: user.email }, session }, token }
    },

    /** The admin behind a console credential, or null (ended, timed out, no longer an admin). Counts as activity. */
    async authenticate(token: string): Promise<ConsoleAuth | null> {
      const session = await sessions.authenticateConsole(token)
      if (!session) return null
      const user = await accounts.findById(session.userId)
      // Revoking the role and disabling the account end console sessions; this catches a race with either.
      if (!user || !user.isAdmin || user.disabledAt) return null
      return { admin: { id: user.id, email: user.email }, session }
    },

    /** Ends the console session (`logout` event, then the denylist). */
    signOut(auth: ConsoleAuth, client: ClientInfo): Promise<void> {
      return sessions.logoutSession(auth.session.id, client)
    },

    /** Renews the console session's password proof (REAUTH_WINDOW); returns until when it holds. */
    reauthenticate(auth: ConsoleAuth, password: string): Promise<Date> {
      return myAccount.reauthenticate({ userId: auth.admin.id, sessionId: auth.session.id }, password)
    },

    /**
     * What a console change passes to operatorActions: the admin as actor, the note and the address.
     * Every console change is destructive (a revocation or an account action), so it needs a
     * password proof within REAUTH_WINDOW (`reauthentication_required`, 403, otherwise).
     */
    operatorCall(auth: ConsoleAuth, request: { reason?: string | null; ip: string | null }): OperatorCall {
      if (needsReauthentication(auth)) throw new AppError('reauthentication_required')
      return { actor: { type: 'admin', id: auth.admin.id, email: auth.admin.email }, reason: request.reason ?? null, ip: request.ip }
    },
  }
}

export type AdminConsole = ReturnType<typeof createAdminConsole>
