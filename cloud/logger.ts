import { pino, type Logger } from 'pino';

export type { Logger };

/** One root logger per process (STYLE.md item 16); components take `logger.child({ module })`. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'cloud' },
      // Secrets and residents' free text never reach the logs.
      redact: {
        paths: ['req.headers.authorization', '*.authorization', '*.token', '*.apiKey', '*.note', '*.residentName'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
