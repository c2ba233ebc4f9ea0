import { systemClock } from '../clock.js'
import { createLogger } from '../logger.js'
import { CLI_ACTOR } from '../services/audit.js'
import { createServices } from '../services/index.js'
import { loadKeySet, loadOrGenerateKeyFile } from '../services/keys.js'
import { openDatabase, openDenylist } from '../stores/open.js'
import { failTool, loadToolConfig } from './tool-config.js'

/**
 * `npm run admin -- <command> <email>`: what the admin API does, and the admin role, from a shell on a
 * machine with the service's environment. It builds the same services as main.ts (no HTTP app), so
 * revocations reach the ledger and the denylist. Changes are in the audit log as actor
 * `{type: "api_key", id: "cli"}`: the service's own credentials, not a person's account.
 */
const COMMANDS = ['sessions', 'revoke-user', 'grant-admin', 'revoke-admin'] as const
const USAGE = `usage: npm run admin -- ${COMMANDS.map((command) => `${command} <email>`).join(' | ')}`

async function main(args: string[]) {
  const [command, email] = args
  if (!command || !email || !(COMMANDS as readonly string[]).includes(command)) throw new Error(USAGE)
  const config = loadToolConfig(process.env)
  const logger = createLogger('silent')
  const database = await openDatabase(config)
  await database.runMigrations()
  const { denylist } = await openDenylist(config, logger, systemClock)
  const keys = await loadKeySet(config.jwtPrivateKey ?? loadOrGenerateKeyFile(config.dataDir))
  // Rate limits are for the HTTP side: none here, so no Redis client for them either.
  const services = createServices({ config, database, denylist, redis: null, clock: systemClock, logger, keys })
  try {
    const user = await services.accounts.findByEmail(email)
    if (!user) throw new Error(`no user with email ${email}`)
    if (command === 'sessions') {
      const sessions = await services.sessions.listActive(user.id)
      for (const s of sessions) {
        process.stdout.write(`${s.id}  ${s.device}  ${s.ip ?? '-'}  ${s.location ?? '-'}  last active ${s.lastActiveAt.toISOString()}\n`)
      }
      process.stdout.write(`${sessions.length} active session(s) for ${user.email}\n`)
    } else if (command === 'revoke-user') {
      const revoked = await services.operatorActions.revokeUser(user.id, { actor: CLI_ACTOR })
      process.stdout.write(`revoked ${revoked} session(s) of ${user.email}\n`)
    } else if (command === 'grant-admin') {
      await services.operatorActions.grantAdmin(user.id, { actor: CLI_ACTOR })
      process.stdout.write(`${user.email} now has the admin role (console sign-in)\n`)
    } else {
      await services.operatorActions.revokeAdmin(user.id, { actor: CLI_ACTOR })
      process.stdout.write(`${user.email} no longer has the admin role; its console sessions have ended\n`)
    }
  } finally {
    await denylist.close()
    await database.close()
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => failTool(error),
)
