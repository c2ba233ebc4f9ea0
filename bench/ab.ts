// `npx tsx bench/ab.ts`: sessiond's own CPU per /introspect call, in one process, the fast path and the
// general chain interleaved round by round (a query string sends a call down the chain), and the
// access-token check with jose.jwtVerify against jws-eddsa.ts. Interleaving makes the comparison hold
// on a machine others are loading; each figure is the best round. No sockets: app.request() only, so
// this is the application's work alone (the HTTP server's share is in `npm run bench`). Bounded:
// 8 rounds of 2,000 calls per path.
import { randomBytes } from 'node:crypto'
import { jwtVerify } from 'jose'
import { createApp } from '../src/app.js'
import { systemClock } from '../src/clock.js'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { createServices } from '../src/services/index.js'
import { checkClaims, verifyEdDSACompact } from '../src/services/jws-eddsa.js'
import { generatePrivateKeyPem, loadKeySet } from '../src/services/keys.js'
import { openDatabase, openDenylist } from '../src/stores/open.js'
import { REDIS_URL, createDatabase, deleteRedisKeys } from './lib/infra.js'
import { basicAuthHeader } from './lib/scenarios.js'

const ROUNDS = 8
const CALLS = 2_000

const runId = String(Date.now())
const database = await createDatabase(`sessiond_ab_${runId}`)
const prefix = `sessiond-ab:${runId}:`
const secret = randomBytes(30).toString('base64url')
try {
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    JWT_PRIVATE_KEY: generatePrivateKeyPem(),
    INTROSPECTION_CLIENTS: `ab:${secret}`,
    LOG_LEVEL: 'warn',
  })
  // Silent: closing Redis at the end makes the revocation service log its (expected) failures.
  const logger = createLogger('silent')
  const keys = await loadKeySet(config.jwtPrivateKey!)
  const db = await openDatabase(config)
  await db.runMigrations()
  const { denylist, redis } = await openDenylist(config, logger, systemClock)
  const services = createServices({ config, database: db, denylist, redis, clock: systemClock, logger, keys })
  const app = createApp({ config, services, logger })
  await services.revocation.start()

  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const credentials = { email: `ab-${runId}@bench.example`, password: `ab-${randomBytes(12).toString('base64url')}` }
  await app.request('/register', json(credentials))
  const { accessToken } = (await (await app.request('/login', json(credentials))).json()) as { accessToken: string }
  const auth = basicAuthHeader('ab', secret)
  const introspect = (path: string) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(6 + accessToken.length), authorization: auth }, body: `token=${accessToken}` })

  /** CPU µs per call of `work` over CALLS calls, `concurrency` at a time. */
  async function cpuPerCall(work: () => Promise<unknown>, concurrency = 50): Promise<number> {
    const before = process.cpuUsage()
    for (let done = 0; done < CALLS; done += concurrency) await Promise.all(Array.from({ length: concurrency }, work))
    const used = process.cpuUsage(before)
    return (used.user + used.system) / CALLS
  }

  const checkActive = async (path: string) => {
    const body = (await (await introspect(path)).json()) as { active: boolean }
    if (!body.active) throw new Error(`${path}: not active`)
  }
  const rules = { issuer: config.jwtIssuer, audience: config.accessTokenAudience, leewaySeconds: 5, required: ['exp', 'iat', 'sub', 'sid', 'jti'] }
  const ours = async () => {
    const payload = verifyEdDSACompact(accessToken, keys.verificationKeys, 'at+jwt')
    if (!payload || !checkClaims(payload, { ...rules, now: Math.floor(Date.now() / 1000) })) throw new Error('ours refused')
  }
  const viaJose = () =>
    jwtVerify(accessToken, async (header) => keys.verificationKeys.get(header.kid!)!, {
      algorithms: ['EdDSA'],
      typ: 'at+jwt',
      issuer: rules.issuer,
      audience: rules.audience,
      clockTolerance: 5,
      requiredClaims: rules.required,
    })

  const best = { fast: Infinity, chain: Infinity, ours: Infinity, jose: Infinity }
  for (let round = 0; round < ROUNDS; round++) {
    best.fast = Math.min(best.fast, await cpuPerCall(() => checkActive('/introspect')))
    best.chain = Math.min(best.chain, await cpuPerCall(() => checkActive('/introspect?via=chain')))
    best.ours = Math.min(best.ours, await cpuPerCall(ours))
    best.jose = Math.min(best.jose, await cpuPerCall(viaJose))
  }
  process.stdout.write(
    `hot /introspect, app CPU µs/call (best of ${ROUNDS} rounds of ${CALLS}): fast path ${best.fast.toFixed(1)}, general chain ${best.chain.toFixed(1)}\n` +
      `access-token check, CPU µs/token: jws-eddsa ${best.ours.toFixed(1)}, jose.jwtVerify ${best.jose.toFixed(1)}\n`,
  )
  await services.revocation.stop()
  await Promise.allSettled([db.close(), denylist.close()])
} finally {
  await deleteRedisKeys(prefix)
  await database.drop()
}
