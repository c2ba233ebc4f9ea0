import { systemClock } from '../clock.js'
import { createLogger } from '../logger.js'
import { createCleanupService } from '../services/cleanup.js'
import { openDatabase } from '../stores/open.js'
import { failTool, loadToolConfig } from './tool-config.js'

// `npm run db:cleanup`: one retention pass, the same as the periodic job; safe while the service runs.
try {
  const config = loadToolConfig(process.env)
  const database = await openDatabase(config)
  await database.runMigrations()
  const counts = await createCleanupService({ db: database.db, clock: systemClock, config, logger: createLogger('silent') }).runOnce()
  await database.close()
  process.stdout.write(`deleted ${counts.sessions} sessions, ${counts.events} security events and ${counts.audit} audit-log entries past retention\n`)
} catch (error) {
  failTool(error)
}
