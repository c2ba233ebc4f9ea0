import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DockerfileParser } from 'dockerfile-ast'
import { validate } from 'dockerfile-utils'
import { parse } from 'yaml'
import { ROOT, freePort, waitForListening, type ServiceProcess } from '../support/process.js'
import { onClose } from '../support/resources.js'

// No Docker engine runs here: these checks stand in for `docker build` and `docker compose up`.
const dockerfileText = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
const dockerfile = DockerfileParser.parse(dockerfileText)
const instructions = dockerfile.getInstructions().map((instruction) => ({
  keyword: instruction.getKeyword(),
  args: instruction.getArgumentsContent() ?? '',
}))
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'))
const envExample = readFileSync(join(ROOT, '.env.example'), 'utf8')
const scratch = mkdtempSync(join(tmpdir(), 'sessiond-deploy-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** Every variable src/config.ts reads, from its source (so a new setting cannot be forgotten). */
function configVariables(): string[] {
  const source = readFileSync(join(ROOT, 'src/config.ts'), 'utf8')
  return [...new Set([...source.matchAll(/\(env, '([A-Z0-9_]+)'/g)].map((match) => match[1]!))].sort()
}

describe('Dockerfile', () => {
  it('passes dockerfile-utils validation with no problems', () => {
    expect(validate(dockerfileText)).toEqual([])
  })

  it('is multi-stage on a pinned Node 24 slim base, non-root, with a healthcheck and an init', () => {
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args)
    expect(froms).toHaveLength(2)
    for (const from of froms) expect(from).toMatch(/^node:24\.\d+\.\d+-bookworm-slim AS \w+$/)
    const runtime = instructions.slice(instructions.findIndex((i) => i.keyword === 'FROM' && i.args.endsWith('runtime')))
    expect(runtime.find((i) => i.keyword === 'USER')?.args).toBe('node')
    expect(runtime.some((i) => i.keyword === 'RUN' && i.args.includes('npm ci --omit=dev'))).toBe(true)
    expect(runtime.find((i) => i.keyword === 'ENV')?.args).toContain('NODE_ENV=production')
    expect(runtime.find((i) => i.keyword === 'EXPOSE')?.args).toBe('3000')
    expect(runtime.find((i) => i.keyword === 'HEALTHCHECK')?.args).toContain('/healthz')
    expect(runtime.find((i) => i.keyword === 'ENTRYPOINT')?.args).toContain('tini')
    // What the non-root user writes (DATA_DIR) is created and owned by it before USER switches.
    expect(runtime.find((i) => i.keyword === 'RUN' && i.args.includes('chown node:node /app/data'))).toBeDefined()
  })

  it('keeps node_modules, data, tests and secrets out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
    for (const entry of ['node_modules', 'data', 'test', '.env', '*.pem', '.git']) expect(ignored).toContain(entry)
  })

  it("runs the Dockerfile's own build and start commands, and its HEALTHCHECK passes", async () => {
    const build = instructions.filter((i) => i.keyword === 'RUN' && i.args.startsWith('npm run build'))
    expect(build).toHaveLength(1)
    // `npm ci` is what produced this checkout's node_modules; the build runs for real, into ./dist as
    // in the image (dist/ next to migrations/ and node_modules/).
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' })
    const outDir = join(ROOT, 'dist')
    const cmd = JSON.parse(instructions.find((i) => i.keyword === 'CMD')!.args) as string[]
    expect(cmd).toEqual(['node', 'dist/main.js'])
    const port = await freePort()
    const child = spawn(process.execPath, [join(outDir, 'main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port), DATA_DIR: join(scratch, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += String(chunk)))
    child.stderr.on('data', (chunk) => (output += String(chunk)))
    const service: ServiceProcess = { child, output: () => output, exited: new Promise((resolve) => child.on('exit', resolve)) }
    onClose(child, (c) => c.exitCode === null && c.kill('SIGKILL'))
    await waitForListening(service)

    const healthcheck = JSON.parse(instructions.find((i) => i.keyword === 'HEALTHCHECK')!.args.replace(/^.*CMD\s+/s, '')) as string[]
    const probe = spawn(healthcheck[0] === 'node' ? process.execPath : healthcheck[0]!, healthcheck.slice(1), { env: { PORT: String(port) } })
    expect(await new Promise((resolve) => probe.on('exit', resolve))).toBe(0)
    child.kill('SIGTERM')
    expect(await service.exited).toBe(0)
  }, 60_000)
})

describe('docker-compose.yml', () => {
  it('passes `docker-compose config -q` (Debian docker-compose, v1 subset)', () => {
    const dir = mkdtempSync(join(scratch, 'compose-'))
    copyFileSync(join(ROOT, 'docker-compose.yml'), join(dir, 'docker-compose.yml'))
    copyFileSync(join(ROOT, '.env.example'), join(dir, '.env'))
    expect(() => execFileSync('docker-compose', ['config', '-q'], { cwd: dir, stdio: 'pipe' })).not.toThrow()
  })

  it('has postgres 16+, redis 7+, healthchecks, and sessiond waiting for both to be healthy', () => {
    expect(compose.services.postgres.image).toMatch(/^postgres:(1[6-9]|[2-9]\d)/)
    expect(compose.services.redis.image).toMatch(/^redis:([7-9]|\d\d)/)
    for (const name of ['postgres', 'redis']) {
      expect(compose.services[name].healthcheck.test).toBeDefined()
      expect(compose.services.sessiond.depends_on[name].condition).toBe('service_healthy')
    }
    expect(compose.services.postgres.healthcheck.test.join(' ')).toContain('pg_isready')
    expect(compose.services.postgres.volumes[0]).toMatch(/^postgres-data:/)
    expect(compose.services.sessiond.ports).toContain('3000:3000')
    expect(compose.services.sessiond.env_file).toContain('.env')
  })

  it('sets or defaults every variable the config module reads (in compose or .env.example)', () => {
    const provided = new Set([...Object.keys(compose.services.sessiond.environment), ...[...envExample.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]!)])
    const variables = configVariables()
    expect(variables.length).toBeGreaterThan(30)
    expect(variables.filter((name) => !provided.has(name))).toEqual([])
  })
})
