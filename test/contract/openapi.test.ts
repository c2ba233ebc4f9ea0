import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../support/app.js'
import { spec } from '../support/openapi.js'
import { CATALOGUE, publicCode, type ErrorCode } from '../../src/errors.js'

const { app } = await buildTestApp()

const METHODS = ['get', 'post', 'put', 'patch', 'delete']
const appRoutes = new Set(
  app.routes
    .filter((route) => METHODS.includes(route.method.toLowerCase()))
    .map((route) => `${route.method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`),
)
const specRoutes = new Set(
  Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => METHODS.includes(method))
      .map((method) => `${method.toUpperCase()} ${path}`),
  ),
)

describe('openapi.yaml is the truth', () => {
  it('documents every route the app serves', () => {
    expect([...appRoutes].filter((route) => !specRoutes.has(route))).toEqual([])
  })

  it('documents no route the app does not serve', () => {
    expect([...specRoutes].filter((route) => !appRoutes.has(route))).toEqual([])
  })

  it('knows every error code the app can answer', () => {
    const text = JSON.stringify(spec)
    const codes = (Object.keys(CATALOGUE) as ErrorCode[]).map(publicCode)
    expect(codes.filter((code) => !text.includes(code))).toEqual([])
  })
})
