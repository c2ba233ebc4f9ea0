import { afterAll } from 'vitest'
import { closeAll } from './resources.js'

// Every pool, client and child process a test file opened is closed when the file ends.
afterAll(async () => {
  await closeAll()
})
