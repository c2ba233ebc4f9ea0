import postgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { openPostgres } from '../src/stores/db.js'

/**
 * One fresh database per test run on the real Postgres, migrated by production's runMigrations,
 * and dropped afterwards. Its URL reaches the workers through `provide`.
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const name = `sessiond_test_${process.pid}_${Date.now()}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE "${name}"`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const database = openPostgres({ url: url.toString(), timeoutMs: 5000 })
  await database.runMigrations()
  await database.close()

  project.provide('databaseUrl', url.toString())
  project.provide('adminDatabaseUrl', adminUrl)
  project.provide('redisUrl', process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379')
  project.provide('runId', `${process.pid}${Date.now().toString(36)}`)

  return async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await admin.end()
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    adminDatabaseUrl: string
    redisUrl: string
    runId: string
  }
}
