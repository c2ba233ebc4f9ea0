import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/support/teardown.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Real Postgres and Redis are shared by the workers; two workers keep the 2-core machines responsive.
    maxWorkers: 2,
  },
})
