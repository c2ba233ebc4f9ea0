import { openDatabase } from '../stores/open.js'
import { failTool, loadToolConfig } from './tool-config.js'

// `npm run db:migrate`: the same migrations the service applies at start-up.
try {
  const database = await openDatabase(loadToolConfig(process.env))
  await database.runMigrations()
  await database.close()
  process.stdout.write(`migrations applied to ${database.kind} (${database.location})\n`)
} catch (error) {
  failTool(error)
}
