// autocannon 9 ships no type declarations; this covers only what bench/ uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  namespace autocannon {
    /** Per-request state; autocannon resets it (to `initialContext`) before every request of a 1-entry `requests` list. */
    type Context = Record<string, unknown>

    interface Request {
      method?: string
      path?: string
      headers?: Record<string, string>
      body?: string | Buffer
      /** Builds the request about to be sent; returning a falsy value skips it. */
      setupRequest?: (request: Request, context: Context) => Request | null | undefined
      /** Called with the response to the request that `setupRequest` built, before the next one is built. */
      onResponse?: (status: number, body: string, context: Context, headers: Record<string, string | string[]>) => void
    }

    interface Options {
      url: string
      connections?: number
      pipelining?: number
      /** Seconds; ignored when `amount` is set. */
      duration?: number
      /** Total number of requests across all connections. */
      amount?: number
      /** Seconds before a request counts as a timeout (an error). */
      timeout?: number
      method?: string
      headers?: Record<string, string>
      body?: string | Buffer
      requests?: Request[]
      initialContext?: Context
    }

    interface Histogram {
      average: number
      mean: number
      stddev: number
      min: number
      max: number
      total: number
      p50: number
      p90: number
      p99: number
    }

    interface Result {
      /** Seconds. */
      duration: number
      errors: number
      timeouts: number
      non2xx: number
      resets: number
      '2xx': number
      statusCodeStats: Record<string, { count: number }>
      latency: Histogram
      requests: Histogram & { sent: number }
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance
  export = autocannon
}
