import { Socket } from 'node:net'
import type postgres from 'postgres'
import { DependencyError } from '../errors.js'

/*
 * Client-side deadlines for the postgres.js pool. A Postgres that goes silent on connections that
 * are already open (a partition, a frozen server, a failover to another address) delivers no error
 * and no server-side statement_timeout: without these, every query on such a connection waits as
 * long as TCP does (minutes). Two parts:
 *
 * 1. `withDeadlines` bounds every ledger call from the moment it is issued: the wait for a pooled
 *    connection, the query, or a whole transaction. Past the deadline the caller gets a
 *    DependencyError('postgres') (503 + Retry-After); a query still queued for a connection is taken
 *    out of the queue so it never runs later, and a transaction is never committed afterwards.
 * 2. `watchedSockets` destroys a connection whose socket sent bytes and heard nothing back for the
 *    same timeout, so the pool replaces it instead of keeping it stuck. The server rolls back any
 *    transaction open on a connection that goes away (once the bytes reach it, or its own
 *    keepalive gives up); nothing more is ever sent on that session, so no COMMIT can follow.
 */

/** The code of the error behind a missed deadline (isDependencyFailure knows it). */
export const DEADLINE_CODE = 'DEADLINE_EXCEEDED'

function deadlineError(timeoutMs: number): DependencyError {
  const cause = Object.assign(new Error(`postgres did not answer within ${timeoutMs} ms`), { code: DEADLINE_CODE })
  return new DependencyError('postgres', cause)
}

/** Settles like `work`, or rejects with the deadline error after `timeoutMs` (calling `onExpire` first). */
function race<T>(work: Promise<T>, timeoutMs: number, onExpire: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onExpire()
      reject(deadlineError(timeoutMs))
    }, timeoutMs)
    // Settling after the deadline is harmless (a promise settles once) and keeps a late rejection handled.
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/** What postgres.js's Query (a lazy Promise subclass) exposes that we rely on. */
interface Query {
  then: Promise<unknown>['then']
  catch: Promise<unknown>['catch']
  finally: Promise<unknown>['finally']
  cancel(): unknown
  /** Set once the query is handed to a connection; null while it waits in the pool's queue. */
  state: unknown
}

function isQuery(value: unknown): value is Query {
  return value instanceof Promise && typeof (value as Partial<Query>).cancel === 'function'
}

/**
 * Puts a deadline on one query, started when it is first awaited (which is when postgres.js sends
 * or queues it). The query object itself is returned so `.values()`, `.raw()` and friends still work.
 */
function guard<T>(query: T, timeoutMs: number): T {
  if (!isQuery(query)) return query
  const then = query.then
  let settled: Promise<unknown> | null = null
  const run = () =>
    (settled ??= race(
      then.call(query, (value) => value),
      timeoutMs,
      () => {
        // Still waiting for a connection: out of the queue, so it cannot run after we answered.
        // (Once on a connection, the socket watchdog below ends that connection.)
        if (query.state === null) query.cancel()
      },
    ))
  query.then = ((onFulfilled, onRejected) => run().then(onFulfilled, onRejected)) as Query['then']
  query.catch = ((onRejected) => run().catch(onRejected)) as Query['catch']
  query.finally = ((onFinally) => run().finally(onFinally)) as Query['finally']
  return query
}

type Sql = postgres.Sql<Record<string, unknown>>
type TransactionSql = postgres.TransactionSql<Record<string, unknown>>

/** A transaction's `sql` that refuses new statements once its deadline has passed. */
function refuseAfter(tx: TransactionSql, expired: () => boolean, timeoutMs: number): TransactionSql {
  const check = () => {
    if (expired()) throw deadlineError(timeoutMs)
  }
  return new Proxy(tx, {
    apply(target, thisArg, args) {
      check()
      return Reflect.apply(target, thisArg, args)
    },
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (property !== 'unsafe' || typeof value !== 'function') return value
      return (...args: unknown[]) => {
        check()
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

/**
 * The same client, with a deadline of `timeoutMs` on every top-level query (tagged or `unsafe`) and
 * on every `begin` as a whole. Statements inside a transaction share the transaction's deadline.
 */
export function withDeadlines<S extends Sql>(sql: S, timeoutMs: number): S {
  function begin(this: unknown, ...args: unknown[]) {
    const fn = args.pop() as (tx: TransactionSql) => unknown
    let expired = false
    const work = (sql.begin as (...a: unknown[]) => Promise<unknown>)(...args, async (tx: TransactionSql) => {
      // The deadline passed while BEGIN waited for a connection: do nothing, ROLLBACK.
      if (expired) throw deadlineError(timeoutMs)
      const result = await fn(refuseAfter(tx, () => expired, timeoutMs))
      // The caller has been told 503: throwing makes postgres.js ROLLBACK instead of COMMIT, so
      // work that finishes late (the network came back) is never committed behind its back.
      // A COMMIT already sent when the deadline passes may or may not have landed; that is the
      // ambiguity of any lost acknowledgement, and the 503 tells the client to retry.
      if (expired) throw deadlineError(timeoutMs)
      return result
    })
    return race(work, timeoutMs, () => {
      expired = true
    })
  }
  return new Proxy(sql, {
    apply(target, thisArg, args) {
      return guard(Reflect.apply(target, thisArg, args), timeoutMs)
    },
    get(target, property, receiver) {
      if (property === 'begin') return begin
      const value = Reflect.get(target, property, receiver)
      if (property !== 'unsafe' || typeof value !== 'function') return value
      return (...args: unknown[]) => guard((value as (...a: unknown[]) => unknown).apply(target, args), timeoutMs)
    },
  })
}

/** The parts of postgres.js's parsed options a socket factory needs. */
interface SocketOptions {
  host: string[]
  port: number[]
  path: string | false | undefined
}

// The first 8 bytes of an SSLRequest: length 8, code 80877103.
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])

/**
 * A `socket` option for postgres.js: connects like postgres.js does (host list in turn, or a Unix
 * socket path) and arms an inactivity deadline whenever bytes are written, cleared by any byte
 * read. A connection that sent a query (or its startup) and heard nothing for `timeoutMs` is
 * destroyed; postgres.js then fails what was queued on it and opens a new one for the next query.
 * An idle connection never trips it (nothing written, nothing awaited), and a silent idle peer is
 * TCP keepalive's job (`keep_alive`).
 *
 * TLS connections are opaque here (Node's TLS takes over the socket's handle, so its writes and
 * reads bypass this object): they keep the per-call deadline and keepalive, not this early destroy.
 */
export function watchedSockets(timeoutMs: number): (options: SocketOptions) => Socket {
  let next = 0
  return (options) => {
    const socket = new Socket()
    if (options.path) {
      socket.connect(options.path)
    } else {
      const index = next++ % options.host.length
      const host = options.host[index]!
      const port = options.port[index] ?? options.port[0]!
      // postgres.js names host and port in its connection errors, and uses `host` for TLS SNI.
      Object.assign(socket, { host, port })
      socket.connect(port, host)
    }
    let timer: NodeJS.Timeout | null = null
    let watching = true
    const disarm = () => {
      if (timer) clearTimeout(timer)
      timer = null
    }
    // Wrapped after connect(): net.Socket#connect puts the prototype's write back on the instance.
    const write = socket.write
    socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      if (watching && Buffer.isBuffer(chunk) && chunk.subarray(0, 8).equals(SSL_REQUEST)) watching = false
      // Destroyed without an error on purpose: postgres.js reports CONNECTION_CLOSED to the queries on
      // it and reconnects without the growing back-off it applies after socket errors.
      if (watching && !timer) timer = setTimeout(() => socket.destroy(), timeoutMs)
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest)
    } as Socket['write']
    socket.on('data', disarm)
    socket.on('close', disarm)
    return socket
  }
}
