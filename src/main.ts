import { serve } from '@hono/node-server'
import { createApp } from './app.js'
import { systemClock } from './clock.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { createLogger, describeError } from './logger.js'
import { openGeoLocator } from './http/geo.js'
import { createServices } from './services/index.js'
import { loadKeySet, loadOrGenerateKeyFile } from './services/keys.js'
import { openDatabase, openDenylist } from './stores/open.js'

// The composition root and the only reader of process.env: config → stores → services → app → listen.
// SIGTERM drains, then exits.
async function main() {
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sessiond: invalid configuration: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
  const logger = createLogger(config.logLevel, undefined, { pretty: process.stdout.isTTY === true })
  let keys
  try {
    keys = await loadKeySet(config.jwtPrivateKey ?? loadOrGenerateKeyFile(config.dataDir), config.jwtPreviousPublicKeys)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sessiond: invalid configuration: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
  let locate
  try {
    locate = await openGeoLocator(config.geoipDb)
  } catch (error) {
    process.stderr.write(`sessiond: invalid configuration: ${(error as Error).message}\n`)
    process.exit(1)
  }
  const database = await openDatabase(config)
  await database.runMigrations()
  const { denylist, redis } = await openDenylist(config, logger, systemClock)
  const services = createServices({ config, database, denylist, redis, clock: systemClock, logger, keys })
  const app = createApp({ config, services, logger, locate })
  await services.revocation.start()
  services.cleanup.start()
  services.webhooks.start()
  // Best effort: a ledger that is down now must not stop start-up; the next start announces the keys.
  await services.revocationStream.announceKeys().catch((error: unknown) => logger.warn({ err: describeError(error) }, 'could not announce the signing keys to the revocation stream'))

  const server = serve({ fetch: app.fetch, port: config.port }, (info) => {
    logger.info(
      {
        port: info.port,
        ledger: `${database.kind} (${database.location})`,
        denylist: denylist.kind === 'redis' ? 'redis' : 'in-process (single instance only)',
        signingKey: config.jwtPrivateKey ? 'JWT_PRIVATE_KEY' : `generated in ${config.dataDir}`,
        mode: database.kind === 'pglite' ? 'embedded' : 'real',
      },
      `sessiond listening on :${info.port} in ${database.kind === 'pglite' ? 'embedded' : 'real'} mode`,
    )
  })

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'draining in-flight requests')
    const deadline = setTimeout(() => {
      logger.warn('drain deadline passed; exiting')
      process.exit(1)
    }, config.shutdownGraceMs)
    deadline.unref()
    // Open revocation streams never end on their own: close them, their clients resume elsewhere.
    void services.revocationStream.stop()
    server.close(async () => {
      await Promise.all([services.revocation.stop(), services.cleanup.stop(), services.webhooks.stop()])
      await Promise.allSettled([database.close(), denylist.close()])
      logger.info('stopped')
      process.exit(0)
    })
    // Idle keep-alive sockets would hold close() open until the deadline.
    ;(server as { closeIdleConnections?: () => void }).closeIdleConnections?.()
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

main().catch((error: unknown) => {
  process.stderr.write(`sessiond: failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
