import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { parse } from 'yaml'
import { isCanonicalPath } from '../../src/http/canonical-path.js'

// ajv and ajv-formats are CommonJS; require() gives their constructors without ESM interop guesswork.
const require = createRequire(import.meta.url)
const Ajv2020 = require('ajv/dist/2020').default as typeof import('ajv/dist/2020.js').default
const addFormats = require('ajv-formats').default as typeof import('ajv-formats').default

export const SPEC_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url))
export const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as {
  info: { version: string }
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>
  components: { schemas: Record<string, unknown> }
}

// `example` and friends are OpenAPI keywords, not JSON Schema ones: not strict about unknown keywords.
const ajv = new Ajv2020({ strict: false, allErrors: true })
addFormats(ajv)
ajv.addSchema(spec, 'openapi')

const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')
const templates = Object.keys(spec.paths).map((template) => ({
  template,
  regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
}))
/** Follows a local `#/a/b` reference inside the spec. */
function resolve(ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], spec)
}

const validators = new Map<string, ReturnType<typeof ajv.compile>>()

function validatorFor(ref: string) {
  let validate = validators.get(ref)
  if (!validate) {
    validate = ajv.compile({ $ref: ref })
    validators.set(ref, validate)
  }
  return validate
}

/**
 * Checks one response against openapi.yaml: the path, method and status must be documented and a JSON
 * body must match its schema. Unknown paths may only answer the generic 404/405 error. Returns the
 * problems found (empty when the response matches).
 */
export function responseProblems(method: string, path: string, status: number, contentType: string | null, body: unknown): string[] {
  const pathname = path.split('?')[0]!
  // /me/sessions/revoke-all also fits /me/sessions/{id}: prefer the template that has this method,
  // and literal segments over parameters.
  // A non-canonical path ("%2F" or "%2e" in a segment, "//") names no route: only the generic 404 applies.
  const candidates = templates
    .filter((candidate) => isCanonicalPath(pathname) && candidate.regex.test(pathname))
    .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))
  const match = candidates.find((candidate) => spec.paths[candidate.template]![method.toLowerCase()]) ?? candidates[0]
  const operation = match ? spec.paths[match.template]![method.toLowerCase()] : undefined
  if (!match || !operation) {
    if (status !== 404 && status !== 405) return [`${method} ${pathname} is not in openapi.yaml but answered ${status}`]
    const validate = validatorFor('openapi#/components/schemas/Error')
    return validate(body) ? [] : [`generic ${status}: ${ajv.errorsText(validate.errors)}`]
  }
  const key = operation.responses[String(status)] ? String(status) : 'default'
  const declared = operation.responses[key]
  if (!declared) return [`${method} ${match.template} answered ${status}, which openapi.yaml does not document`]
  // A response may be a $ref to components/responses: follow it, and point the validator there.
  const sharedRef = (declared as { $ref?: string }).$ref
  const responsePointer = sharedRef ? sharedRef.slice(2) : pointer('paths', match.template, method.toLowerCase(), 'responses', key)
  const response = sharedRef ? (resolve(sharedRef) as typeof declared) : declared
  if (!response.content) return body === null || body === '' ? [] : [`${method} ${match.template} ${status} should have no body`]
  if (!contentType?.startsWith('application/json')) return [`${method} ${match.template} ${status} answered ${contentType}`]
  const ref = `openapi#/${responsePointer}/${pointer('content', 'application/json', 'schema')}`
  const validate = validatorFor(ref)
  return validate(body) ? [] : [`${method} ${match.template} ${status}: ${ajv.errorsText(validate.errors)}`]
}

/** Checks one revocation-stream event's `data` against the schema openapi.yaml names for its type (`x-event-type`). */
export function streamEventProblems(type: string, data: unknown): string[] {
  const ref = Object.entries(spec.components.schemas).find(([, schema]) => (schema as { 'x-event-type'?: string })['x-event-type'] === type)?.[0]
  if (!ref) return [`event type ${type} is not in openapi.yaml`]
  const validate = validatorFor(`openapi#/components/schemas/${ref}`)
  return validate(data) ? [] : [`${type}: ${ajv.errorsText(validate.errors)}`]
}
