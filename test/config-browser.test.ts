import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

describe('BROWSER_ORIGINS and PUBLIC_URL', () => {
  it('default to none', () => {
    const config = loadConfig({})
    expect(config.browserOrigins).toEqual([])
    expect(config.publicUrl).toBeNull()
    expect(config.publicOrigin).toBeNull()
  })

  it('BROWSER_ORIGINS: comma-separated exact origins, spaces trimmed, duplicates dropped', () => {
    const config = loadConfig({ BROWSER_ORIGINS: 'https://app.example.com, http://localhost:5173,https://app.example.com' })
    expect(config.browserOrigins).toEqual(['https://app.example.com', 'http://localhost:5173'])
  })

  it('PUBLIC_URL: its origin is sessiond’s own', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://sessions.example.com' })).toMatchObject({ publicUrl: 'https://sessions.example.com', publicOrigin: 'https://sessions.example.com' })
    expect(loadConfig({ PUBLIC_URL: 'http://localhost:3000/' }).publicOrigin).toBe('http://localhost:3000')
    expect(loadConfig({ PUBLIC_URL: 'https://example.com:443/auth' }).publicOrigin).toBe('https://example.com')
  })

  it.each([
    ['BROWSER_ORIGINS', 'https://app.example.com/'],
    ['BROWSER_ORIGINS', 'https://app.example.com/path'],
    ['BROWSER_ORIGINS', 'https://app.example.com?x=1'],
    ['BROWSER_ORIGINS', 'https://app.example.com#x'],
    ['BROWSER_ORIGINS', 'app.example.com'],
    ['BROWSER_ORIGINS', 'ftp://app.example.com'],
    ['BROWSER_ORIGINS', 'null'],
    ['BROWSER_ORIGINS', '*'],
    ['BROWSER_ORIGINS', 'https://user:pw@app.example.com'],
    ['BROWSER_ORIGINS', 'https://App.Example.com'],
    ['BROWSER_ORIGINS', 'https://app.example.com:443'],
    ['BROWSER_ORIGINS', 'https://app.example.com,'],
    ['BROWSER_ORIGINS', 'https://a.example.com,,https://b.example.com'],
    ['BROWSER_ORIGINS', 'https://a.example.com\nhttps://b.example.com'],
    ['PUBLIC_URL', 'sessions.example.com'],
    ['PUBLIC_URL', '/relative'],
    ['PUBLIC_URL', 'ftp://sessions.example.com'],
    ['PUBLIC_URL', 'https://user:pw@sessions.example.com'],
  ])('%s=%j is refused with one line naming the variable', (variable, value) => {
    let error: unknown
    try {
      loadConfig({ [variable]: value })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).variable).toBe(variable)
    expect((error as Error).message).toMatch(new RegExp(`^${variable}: `))
    expect((error as Error).message).not.toContain('\n')
  })
})
