import { ConfigError, loadConfig } from '../config.js'
import { openDatabase } from '../stores/open.js'

// `npm run db:migrate`: the same migrations the service applies at start-up.
try {
  const config = loadConfig({ ...process.env, JWT_PRIVATE_KEY: process.env.JWT_PRIVATE_KEY ?? 'unused-by-migrate' })
  const database = await openDatabase(config)
  await database.runMigrations()
  await database.close()
  process.stdout.write(`migrations applied to ${database.kind} (${database.location})\n`)
} catch (error) {
  process.stderr.write(`sessiond: ${error instanceof ConfigError ? error.message : (error as Error).message}\n`)
  process.exit(1)
}
