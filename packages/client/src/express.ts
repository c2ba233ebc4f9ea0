import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { authenticate, type Auth, type GuardOptions } from './middleware.js'
import type { Verifier } from './verifier.js'

export type { Auth } from './middleware.js'

/** Express middleware: the caller lands in `res.locals.auth`; anything else is refused (401/400/503). */
export function requireSession(verifier: Verifier, options?: GuardOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    authenticate(verifier, req.header('authorization'), options).then((outcome) => {
      if ('refusal' in outcome) {
        const { status, headers, body } = outcome.refusal
        res.status(status).set(headers).json(body)
        return
      }
      res.locals.auth = outcome.auth satisfies Auth
      next()
    }, next)
  }
}
