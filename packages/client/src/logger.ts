/** Where the client reports what an operator should know (a console by default; pino fits as is). */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export const consoleLogger: Logger = {
  info: (message) => console.info(`[sessiond] ${message}`),
  warn: (message) => console.warn(`[sessiond] ${message}`),
  error: (message) => console.error(`[sessiond] ${message}`),
}
