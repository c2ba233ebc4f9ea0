import { createHash, timingSafeEqual } from 'node:crypto'

/** SHA-256 of a secret: equal-length digests, so secrets of any length compare in constant time. */
export const secretDigest = (value: string): Buffer => createHash('sha256').update(value).digest()

/** Constant-time equality of two secrets of any length (both sides are hashed to equal length first). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(secretDigest(a), secretDigest(b))
}
