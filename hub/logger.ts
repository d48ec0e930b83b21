import { pino, type Logger } from 'pino';

export type { Logger };

/** One root logger per process; components take `logger.child({ module })`. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'hub' },
      // Residents' names and free-text notes never reach the logs.
      redact: { paths: ['*.residentName', '*.note', '*.password', '*.token', 'relay.token'], censor: '[redacted]' },
    },
    destination,
  );
}
