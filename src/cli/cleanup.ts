import { systemClock } from '../clock.js'
import { ConfigError, loadConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { createCleanupService } from '../services/cleanup.js'
import { openDatabase } from '../stores/open.js'

// `npm run db:cleanup`: one retention pass, the same as the periodic job; safe while the service runs.
try {
  const config = loadConfig({ ...process.env, JWT_PRIVATE_KEY: process.env.JWT_PRIVATE_KEY ?? 'unused-by-cleanup' })
  const database = await openDatabase(config)
  await database.runMigrations()
  const logger = createLogger('silent')
  const counts = await createCleanupService({ db: database.db, clock: systemClock, config, logger }).runOnce()
  await database.close()
  process.stdout.write(`deleted ${counts.sessions} sessions and ${counts.events} security events past retention\n`)
} catch (error) {
  process.stderr.write(`sessiond: ${error instanceof ConfigError ? error.message : (error as Error).message}\n`)
  process.exit(1)
}
