import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Keys never logged, at the top of a log object and one level down (pino's `*` matches one
 * level). Credentials, and residents' names and free-text notes.
 */
const REDACTED_KEYS = ['residentName', 'note', 'password', 'pin', 'token', 'authorization'];

/** One root logger per process; components take `logger.child({ module })`. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'hub' },
      redact: { paths: [...REDACTED_KEYS, ...REDACTED_KEYS.map((key) => `*.${key}`)], censor: '[redacted]' },
    },
    destination,
  );
}

/**
 * A URL as it may be logged or printed: no user name or password, and the value of every query
 * parameter replaced (a token in `?token=` is as secret as one in userinfo).
 */
export function urlForLog(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '[unparseable url]';
  }
  parsed.username = '';
  parsed.password = '';
  for (const key of [...new Set(parsed.searchParams.keys())]) parsed.searchParams.set(key, 'redacted');
  return parsed.href;
}
