/** One Set-Cookie line: its name, value and attributes (attribute names lower-cased; flags are `true`). */
export interface SetCookie {
  name: string
  value: string
  attributes: Record<string, string | true>
}

export function parseSetCookie(line: string): SetCookie {
  const [pair, ...attributes] = line.split(';').map((part) => part.trim())
  const eq = pair!.indexOf('=')
  return {
    name: pair!.slice(0, eq),
    value: pair!.slice(eq + 1),
    attributes: Object.fromEntries(
      attributes.map((attribute) => {
        const [key, ...rest] = attribute.split('=')
        return [key!.toLowerCase(), rest.length ? rest.join('=') : true]
      }),
    ),
  }
}

/**
 * A browser's cookie store for one origin, as far as the tests need it: keeps what `Set-Cookie`
 * sets, drops what it expires (`Max-Age=0`), and sends the rest back as one `Cookie` header.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  /** Applies a response's Set-Cookie lines; returns them parsed. */
  store(headers: Headers): SetCookie[] {
    const lines = headers.getSetCookie().map(parseSetCookie)
    for (const cookie of lines) {
      if (cookie.attributes['max-age'] === '0' || cookie.value === '') this.#cookies.delete(cookie.name)
      else this.#cookies.set(cookie.name, cookie.value)
    }
    return lines
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name)
  }

  set(name: string, value: string): this {
    this.#cookies.set(name, value)
    return this
  }

  delete(name: string): this {
    this.#cookies.delete(name)
    return this
  }

  names(): string[] {
    return [...this.#cookies.keys()]
  }

  /** The Cookie header a browser would send; undefined when the jar is empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  /** A copy (a second tab of the same browser, or a stolen jar). */
  clone(): CookieJar {
    const copy = new CookieJar()
    for (const [name, value] of this.#cookies) copy.set(name, value)
    return copy
  }
}
