import { describe, expect, it } from 'vitest'
import { openPglite } from '../../src/stores/db.js'
import { CLI_ACTOR } from '../../src/services/audit.js'
import { basicAuth, buildTestApp, call, createMemoryDenylist, STRONG_PASSWORD, uniqueEmail } from '../support/app.js'
import { createFakeClock } from '../support/clock.js'
import { CookieJar } from '../support/cookie-jar.js'
import { onClose } from '../support/resources.js'

/**
 * The console on the embedded ledger (PGlite, the in-process denylist): the overview's hourly
 * counts, a sign-out with a reason, and the audit log read the same as on Postgres.
 */
describe('the console in embedded mode', () => {
  it('signs an admin in, charts the last day, ends a session with a reason and lists it in the audit log', async () => {
    const database = onClose(await openPglite(null), (db) => db.close())
    await database.runMigrations()
    const clock = createFakeClock()
    const { app, services } = await buildTestApp({ clock, database, denylist: createMemoryDenylist(clock), redis: null })
    const admin = await services.accounts.register(uniqueEmail(), STRONG_PASSWORD)
    await services.operatorActions.grantAdmin(admin.id, { actor: CLI_ACTOR })
    const user = await services.accounts.register(uniqueEmail(), STRONG_PASSWORD)
    const login = await call(app, 'POST', '/login', { json: { email: user.email, password: STRONG_PASSWORD } })
    await call(app, 'POST', '/login', { json: { email: user.email, password: 'wrong password, twice over' } })
    const sessionId = login.body.session.id as string

    const jar = new CookieJar()
    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { cookie: jar.header() ?? '', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() })
    const get = async (path: string) => {
      const res = await app.request(path, { headers: { cookie: jar.header() ?? '' } })
      jar.store(res.headers)
      return { status: res.status, text: await res.text() }
    }
    const signedIn = await app.request('/console/sign-in', form({ email: admin.email, password: STRONG_PASSWORD }))
    jar.store(signedIn.headers)
    expect(signedIn.status).toBe(303)

    const overview = await get('/console')
    expect(overview.status).toBe(200)
    expect(overview.text).toMatch(/aria-label="Failed sign-ins per hour, last 24 hours: 1 in all, at most 1 in the hour from \d\d:00 UTC\."/)
    expect(overview.text).toMatch(/aria-label="Sign-ins per hour, last 24 hours: 2 in all/) // the user's and the admin's console sign-in

    const ended = await app.request(`/console/users/${user.id}/sessions/${sessionId}/sign-out`, form({ reason: 'Embedded check' }))
    expect(ended.status).toBe(303)
    expect((await call(app, 'POST', '/introspect', { json: { token: login.body.accessToken }, headers: { authorization: basicAuth() } })).body).toEqual({ active: false })
    const audit = await get(`/console/audit?user=${user.id}`)
    expect(audit.text).toContain('Signed out a session')
    expect(audit.text).toContain('Embedded check')
  }, 60_000)
})
