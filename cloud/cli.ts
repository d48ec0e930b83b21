/**
 * `cloud` command line. Returns an exit code instead of exiting, so tests can
 * call main() and bin/cloud.js stays one line.
 */
import { parseArgs } from 'node:util';
import { loadCloudConfig, type CloudConfig } from './config.ts';
import { sha256Hex } from './crypto.ts';
import { createLogger } from './logger.ts';
import { createRelay } from './main.ts';
import { runMigrations } from './store/migrate.ts';
import { openDatabase } from './store/open.ts';

export const USAGE = `Usage: cloud <command> [options]

Commands:
  start                 run the relay (migrates and provisions first)
  migrate               apply pending database migrations and exit
  hash-secret <secret>  print the SHA-256 hex of a hub token or API key (for config bootstrap)

Options (start, migrate):
  --config <file>       JSON config file (default: $CLOUD_CONFIG)
  --port <n>            TCP port (env CLOUD_PORT, default 8787; 0 = any free port)
  --host <addr>         interface to bind (env CLOUD_HOST, default 127.0.0.1)
  --data <dir>          data folder for the embedded store (env CLOUD_DATA_DIR)
  -h, --help            show this help

Environment: DATABASE_URL selects PostgreSQL; CLOUD_LOG_LEVEL sets the log level.
`;

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

function usageError(message: string): number {
  process.stderr.write(`cloud: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

function loadConfig(values: { config?: string; port?: string; host?: string; data?: string }): CloudConfig | undefined {
  const result = loadCloudConfig({ file: values.config, flags: { port: values.port, host: values.host, data: values.data } });
  if (result.ok) return result.config;
  process.stderr.write('cloud: invalid configuration:\n');
  for (const e of result.errors) process.stderr.write(`  ${e.path}: ${e.message}\n`);
  return undefined;
}

/** Resolves on the first SIGTERM or SIGINT and removes its listeners. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    function onSignal(signal: NodeJS.Signals) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(signal);
    }
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function start(config: CloudConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
  const relay = createRelay(config, { logger });
  const signal = untilSignal();
  try {
    const { url } = await relay.start();
    process.stdout.write(`cloud relay listening on ${url}\n`);
  } catch (err) {
    logger.fatal({ err }, 'relay failed to start');
    await relay.stop().catch(() => undefined);
    return EXIT_FAILURE;
  }
  const received = await signal;
  logger.info({ signal: received }, 'shutting down');
  await relay.stop();
  return EXIT_OK;
}

async function migrate(config: CloudConfig): Promise<number> {
  const logger = createLogger(config.logLevel).child({ module: 'migrate' });
  const db = openDatabase(config);
  try {
    const applied = await runMigrations(db);
    process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
    return EXIT_OK;
  } catch (err) {
    logger.error({ err }, 'migration failed');
    return EXIT_FAILURE;
  } finally {
    await db.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        config: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
      },
    });
  } catch (err) {
    return usageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help === true || command === 'help') {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  switch (command) {
    case 'hash-secret': {
      const secret = rest[0];
      if (secret === undefined || rest.length !== 1 || secret === '') return usageError('hash-secret takes exactly one secret');
      process.stdout.write(`${sha256Hex(secret)}\n`);
      return EXIT_OK;
    }
    case 'start':
    case 'migrate': {
      if (rest.length > 0) return usageError(`unexpected argument "${rest[0]}"`);
      const config = loadConfig(values);
      if (config === undefined) return EXIT_USAGE;
      return command === 'start' ? start(config) : migrate(config);
    }
    case undefined:
      return usageError('a command is required');
    default:
      return usageError(`unknown command "${command}"`);
  }
}
