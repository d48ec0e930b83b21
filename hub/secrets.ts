/** Secrets are stored as SHA-256 of high-entropy random tokens (promise 5 in docs/architecture.md), compared in constant time. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha256Hex(secret: string | Uint8Array): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function matchesSha256(secret: string | Uint8Array, expectedHex: string): boolean {
  const actual = createHash('sha256').update(secret).digest();
  const expected = Buffer.from(expectedHex, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

/** A random token for a device or hub credential: 32 bytes, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
