import { ConfigError, loadConfig, type Config } from '../config.js'

/**
 * Configuration for the operator tools. They touch only the ledger (and Redis), never sign tokens,
 * so a missing JWT_PRIVATE_KEY must not stop them: it is then null, as in embedded mode.
 */
export function loadToolConfig(env: Record<string, string | undefined>): Config {
  if (env.JWT_PRIVATE_KEY) return loadConfig(env)
  return { ...loadConfig({ ...env, JWT_PRIVATE_KEY: 'not-used-by-operator-tools' }), jwtPrivateKey: null }
}

/** Prints one line and exits 1: what an operator sees when a tool fails. */
export function failTool(error: unknown): never {
  process.stderr.write(`sessiond: ${error instanceof ConfigError ? error.message : (error as Error).message}\n`)
  process.exit(1)
}
