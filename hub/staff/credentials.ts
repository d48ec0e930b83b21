/**
 * Credentials people choose (staff PINs and passwords) and the display tokens the
 * hub hands out. A chosen secret is weak by nature, so it is stored as scrypt with
 * its own salt; generated tokens (display, pairing) have 128 bits or more and are
 * stored as SHA-256 (docs/panel.md).
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt cost: N = 2^15, r = 8, p = 1 takes about 100 ms and 32 MiB on the hub, so a
 * stolen config costs an attacker 100 ms of one core per guess (RFC 7914 section 2
 * leaves the choice to the deployment; OWASP's password storage sheet lists N=2^17
 * for passwords, but every sign-in pays it on a small box).
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltBytes: 16 } as const;
const MAXMEM = 64 * 1024 * 1024;

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export const PIN_HASH_PATTERN = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

export class CredentialError extends Error {
  constructor(
    readonly code: 'weak-pin' | 'bad-hash',
    message: string,
  ) {
    super(message);
    this.name = 'CredentialError';
  }
}

/**
 * A PIN is 6 or more digits and not a run anyone tries first (000000, 123456, 654321);
 * anything else is a password of 10 or more characters. Returns the reason it is
 * refused, or null.
 */
export function pinProblem(pin: string): string | null {
  if (pin.length > 128) return 'at most 128 characters';
  if (/^\d+$/.test(pin)) {
    if (pin.length < 6) return 'a PIN needs at least 6 digits';
    const steps = new Set([...pin].slice(1).map((d, i) => (Number(d) - Number(pin[i]) + 10) % 10));
    if (steps.size === 1 && [0, 1, 9].includes([...steps][0]!)) return 'a PIN must not be one digit repeated or a counting run';
    return null;
  }
  if ([...pin].length < 10) return 'a password needs at least 10 characters (or use a PIN of at least 6 digits)';
  return null;
}

function scryptAsync(secret: string, salt: Buffer, n: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret.normalize('NFC'), salt, keyLength, { N: n, r, p, maxmem: MAXMEM }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Hashes a PIN or password for the config (`hub staff add`). */
export async function hashPin(pin: string): Promise<string> {
  const problem = pinProblem(pin);
  if (problem) throw new CredentialError('weak-pin', problem);
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await scryptAsync(pin, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLength);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Compares in constant time; a malformed hash never matches. */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const m = PIN_HASH_PATTERN.exec(stored);
  if (!m) return false;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const expected = Buffer.from(m[5]!, 'base64url');
  // Bound the cost a config can ask for: a typo must not pin the CPU for minutes.
  if (n > 2 ** 20 || r > 32 || p > 16 || 128 * n * r > MAXMEM) return false;
  const actual = await scryptAsync(pin, Buffer.from(m[4]!, 'base64url'), n, r, p, expected.length).catch(() => null);
  return actual !== null && actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Unknown staff ids cost the same scrypt as known ones, so timing does not tell which ids exist. */
let dummyHash: Promise<string> | null = null;
export function dummyPinHash(): Promise<string> {
  dummyHash ??= hashPin('not-a-staff-member-' + randomBytes(8).toString('hex'));
  return dummyHash;
}

/** A session or display token: 256 random bits, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenMatches(token: string, expectedSha256: string): boolean {
  const actual = createHash('sha256').update(token).digest();
  const expected = Buffer.from(expectedSha256, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

/** Crockford base32 without I, L, O, U: nothing to misread when typed from a sheet. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A one-time pairing code: 130 random bits as 26 base32 digits in groups of 4 or 2. */
export function newPairingCode(): string {
  const bytes = randomBytes(26);
  const digits = [...bytes].map((b) => CODE_ALPHABET[b & 31]).join('');
  return digits.match(/.{1,4}/g)!.join('-');
}

/** Upper-cases and drops dashes and spaces, as a person types it. */
export function normalisePairingCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}
