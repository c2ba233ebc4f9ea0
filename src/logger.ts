import { pino, type Logger, type DestinationStream } from 'pino'

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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'sessiond' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
}
