import { pino, type Logger } from 'pino';
import { currentRequestId } from './http/request-id.ts';

export type { Logger };

const REDACTED_KEYS = ['authorization', 'token', 'apiKey', 'note', 'residentName'];

/** One root logger per process (docs/architecture.md#observability); components take `logger.child({ module })`. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'cloud' },
      // The request being handled, on every line logged for it (docs/access.md#every-request).
      mixin() {
        const reqId = currentRequestId();
        return reqId === undefined ? {} : { reqId };
      },
      // Secrets and residents' free text never reach the logs: at the top of a log object and one
      // level down (pino's `*` matches one level).
      redact: {
        paths: ['req.headers.authorization', ...REDACTED_KEYS, ...REDACTED_KEYS.map((key) => `*.${key}`)],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * A URL as it may be logged or printed: no password (a database URL often holds one), no user
 * name, and the value of every query parameter replaced (a `?token=` is as secret as userinfo).
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
