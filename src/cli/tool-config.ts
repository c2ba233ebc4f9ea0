import { ConfigError, loadConfig, type Config } from '../config.js'

/**
 * Configuration for the operator tools. They touch only the ledger (and Redis), never sign tokens,
 * so a missing JWT_PRIVATE_KEY must not stop them.
 */
export function loadToolConfig(env: Record<string, string | undefined>): Config {
  return loadConfig({ ...env, JWT_PRIVATE_KEY: env.JWT_PRIVATE_KEY || 'not-used-by-operator-tools' })
}

/** Prints one line and exits 1: what an operator sees when a tool fails. */
export function failTool(error: unknown): never {
  process.stderr.write(`sessiond: ${error instanceof ConfigError ? error.message : (error as Error).message}\n`)
  process.exit(1)
}
