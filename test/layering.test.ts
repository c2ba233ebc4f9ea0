import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * Calls go one way: routes → services → stores, with http/ beside routes. This reads every import
 * under src/ and names each one that runs the wrong way, so the structure holds without anyone
 * having to remember it.
 */
const SRC = resolve(import.meta.dirname, '../src')

interface Import {
  from: string
  to: string
  typeOnly: boolean
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(entry.name) ? [path] : []
  })
}

/** The room a module lives in: its first folder under src/, or `root` for src/*.ts. */
function room(path: string): string {
  const parts = relative(SRC, path).split('/')
  if (parts.length === 1) return ['app.ts', 'main.ts'].includes(parts[0]!) ? parts[0]!.replace(/\.ts$/, '') : 'root'
  return parts[0]!
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/gm

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(IMPORT)].map((match) => ({
    from: relative(SRC, file),
    to: relative(SRC, resolve(dirname(file), (match[3] ?? match[4])!)).replace(/\.js$/, '.ts'),
    typeOnly: Boolean(match[2]),
  }))
}

const imports = sourceFiles(SRC).flatMap(importsOf)

/** [importing room, imported room, may a type-only import cross?] */
const FORBIDDEN: Array<[string, string, boolean]> = [
  ['services', 'http', false],
  ['services', 'routes', false],
  ['services', 'pages', false],
  ['stores', 'http', false],
  ['stores', 'routes', false],
  ['stores', 'pages', false],
  ['stores', 'services', false],
  ['http', 'routes', false],
  ['http', 'pages', false],
  // Routes and pages call services; they may name a store's row types, never call a store.
  ['routes', 'stores', true],
  ['pages', 'stores', true],
  // The neutral modules at the top (config, errors, clock, logger, client-info…) depend on nothing of ours.
  ...['http', 'routes', 'pages', 'services', 'stores', 'cli', 'app', 'main'].map((to): [string, string, boolean] => ['root', to, false]),
]

const roomOfTarget = (to: string) => room(join(SRC, to))

describe('layering', () => {
  it('reads the imports it judges (a parser that finds nothing would pass anything)', () => {
    expect(imports.some((i) => i.from === 'routes/auth.ts' && roomOfTarget(i.to) === 'services')).toBe(true)
    expect(imports.some((i) => i.from === 'services/sessions.ts' && roomOfTarget(i.to) === 'stores')).toBe(true)
    expect(imports.some((i) => i.typeOnly)).toBe(true)
  })

  it.each(FORBIDDEN)('%s/ does not import %s/', (fromRoom, toRoom, typesAllowed) => {
    const wrongWay = imports
      .filter((i) => room(join(SRC, i.from)) === fromRoom && roomOfTarget(i.to) === toRoom)
      .filter((i) => !(typesAllowed && i.typeOnly))
      .map((i) => `${i.from} → ${i.to}`)
    expect(wrongWay).toEqual([])
  })

  it('nothing imports main.ts or the operator CLIs', () => {
    const wrongWay = imports.filter((i) => ['main', 'cli'].includes(roomOfTarget(i.to)) && room(join(SRC, i.from)) !== 'cli')
    expect(wrongWay.map((i) => `${i.from} → ${i.to}`)).toEqual([])
  })

  it('only main.ts and the operator CLIs read process.env', () => {
    const readers = sourceFiles(SRC)
      .filter((file) => /process\.env/.test(readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '')))
      .map((file) => relative(SRC, file))
      .filter((file) => file !== 'main.ts' && !file.startsWith('cli/'))
    expect(readers).toEqual([])
  })
})
