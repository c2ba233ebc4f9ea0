import { pino, type Logger, type DestinationStream } from 'pino'
import pretty from 'pino-pretty'

/**
 * Paths pino censors wherever they appear in a log object. Secrets must never reach the logs:
 * passwords, tokens (access, refresh, introspected), cookies and Authorization headers.
 */
export const REDACT_PATHS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'authorization',
  'cookie',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.authorization',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'res.headers["set-cookie"]',
]

export type { Logger }

/**
 * JSON lines for machines; `pretty` (main.ts asks for it when stdout is a terminal) renders the same
 * records for a person. Redaction happens before either.
 */
export function createLogger(level: string, destination?: DestinationStream, options: { pretty?: boolean } = {}): Logger {
  const target = destination ?? (options.pretty ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }) : undefined)
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'sessiond' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    target,
  )
}

/** What an error log line may carry: never the message, which for drivers may echo SQL and its parameters. */
export interface LoggedError {
  name: string
  code?: string
  /** Stack frames only ("at …" lines): the first line of `stack` is the message and is dropped. */
  frames?: string[]
  cause?: LoggedError
}

/**
 * The one way errors reach a log: name, the driver's code (e.g. a SQLSTATE) and stack frames. Drizzle's
 * "Failed query: … params: …" and postgres.js messages carry bound parameters (emails, hashes), so the
 * message and every line before the first frame are left out, for the error and each of its causes.
 */
export function describeError(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) return { name: typeof error }
  const described: LoggedError = { name: error.name }
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' || typeof code === 'number') described.code = String(code)
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line)).map((line) => line.trim()).slice(0, 15)
  if (frames?.length) described.frames = frames
  if (error.cause !== undefined && depth < 3) described.cause = describeError(error.cause, depth + 1)
  return described
}
