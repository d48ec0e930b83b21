/**
 * `cloud` command line. Returns an exit code instead of exiting, so tests can
 * call main() and bin/cloud.js stays one line.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadCloudConfig, type CloudConfig } from './config.ts';
import { sha256Hex } from './crypto.ts';
import { createLogger, urlForLog } from './logger.ts';
import { createRelay } from './main.ts';
import { formatVerifyResult, verifyAuditChains } from './audit/verify.ts';
import { runMigrations } from './store/migrate.ts';
import { openDatabase } from './store/open.ts';

export const USAGE = `Usage: cloud <command> [options]

Commands:
  start                 run the relay (migrates and provisions first)
  migrate               apply pending database migrations and exit
  check-config          validate the config and print the effective settings
  hash-secret           make a new random hub token or API key (256 bits) and print it with its SHA-256 for the config
  audit verify          walk the hash-chained audit log; print the count verified, or the first broken link

Options (start, migrate, check-config, audit verify):
  -c, --config <file>   JSON config file (default: $CLOUD_CONFIG)
  --port <n>            TCP port (env CLOUD_PORT, default 8787; 0 = any free port)
  --host <addr>         interface to bind (env CLOUD_HOST, default 127.0.0.1)
  --data <dir>          data folder for the embedded store (env CLOUD_DATA_DIR)
  -h, --help            show this help

Environment: DATABASE_URL selects PostgreSQL; CLOUD_LOG_LEVEL sets the log level.

check-config prints "config ok" and a summary on stderr and the effective settings (secrets
masked) as JSON on stdout, or every problem at once.
Exit status: 0 ok, 1 runtime failure, 2 bad usage or bad config, 3 audit chain broken.
`;

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_AUDIT_BROKEN = 3;

/** Where the command line writes and reads its environment; tests pass their own. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

function usageError(io: CliIo, message: string): number {
  io.err(`cloud: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

function loadConfig(io: CliIo, values: { config?: string; port?: string; host?: string; data?: string }): CloudConfig | undefined {
  const result = loadCloudConfig({ file: values.config, env: io.env, flags: { port: values.port, host: values.host, data: values.data } });
  if (result.ok) return result.config;
  const n = result.errors.length;
  io.err(`cloud: invalid configuration (${n} problem${n === 1 ? '' : 's'}):\n`);
  for (const e of result.errors) io.err(`  ${e.path}: ${e.message}\n`);
  return undefined;
}

/** `config ok` with what the relay will serve, then the effective settings with secrets masked. */
function checkConfig(io: CliIo, config: CloudConfig): number {
  const { orgs, hubs, apiKeys } = config.bootstrap;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const store = config.databaseUrl ? `postgresql ${urlForLog(config.databaseUrl)}` : `pglite in ${config.dataDir}`;
  io.err(`cloud: config ok (${[`${config.host}:${config.port}`, store, count(orgs.length, 'org'), count(hubs.length, 'hub'), count(apiKeys.length, 'API key')].join(', ')})\n`);
  const shown = { ...config, databaseUrl: config.databaseUrl && urlForLog(config.databaseUrl) };
  io.out(`${JSON.stringify(shown, null, 2)}\n`);
  return EXIT_OK;
}

/**
 * A word someone chose is guessable, and its SHA-256 is cracked offline in seconds: credentials
 * hashed with SHA-256 must be generated. Same command and output as `hub hash-secret`.
 */
function hashSecret(io: CliIo, args: string[]): number {
  if (args.length > 0) return usageError(io, 'hash-secret takes no argument: it makes a new random token (a chosen word is not a credential)');
  const token = randomBytes(32).toString('base64url');
  io.out(`token: ${token}\nsha256: ${sha256Hex(token)}\n`);
  return EXIT_OK;
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

async function start(io: CliIo, config: CloudConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
  const relay = createRelay(config, { logger });
  const signal = untilSignal();
  try {
    const { url } = await relay.start();
    io.out(`cloud relay listening on ${url}\n`);
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

async function migrate(io: CliIo, config: CloudConfig): Promise<number> {
  const logger = createLogger(config.logLevel).child({ module: 'migrate' });
  const db = openDatabase(config);
  try {
    const applied = await runMigrations(db);
    io.out(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
    return EXIT_OK;
  } catch (err) {
    logger.error({ err }, 'migration failed');
    return EXIT_FAILURE;
  } finally {
    await db.close();
  }
}

/** `cloud audit verify` (docs/audit.md): the first broken link on stdout and exit 3, or the count and 0. */
async function auditVerify(io: CliIo, config: CloudConfig): Promise<number> {
  const logger = createLogger(config.logLevel).child({ module: 'audit-verify' });
  const db = openDatabase(config);
  try {
    const result = await verifyAuditChains(db);
    io.out(formatVerifyResult(result));
    return result.ok ? EXIT_OK : EXIT_AUDIT_BROKEN;
  } catch (err) {
    logger.error({ err }, 'audit verify failed');
    return EXIT_FAILURE;
  } finally {
    await db.close();
  }
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        config: { type: 'string', short: 'c' },
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
      },
    });
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help === true || command === 'help') {
    io.out(USAGE);
    return EXIT_OK;
  }
  switch (command) {
    case 'hash-secret':
      return hashSecret(io, rest);
    case 'start':
    case 'migrate':
    case 'check-config': {
      if (rest.length > 0) return usageError(io, `unexpected argument "${rest[0]}"`);
      const config = loadConfig(io, values);
      if (config === undefined) return EXIT_USAGE;
      if (command === 'check-config') return checkConfig(io, config);
      return command === 'start' ? start(io, config) : migrate(io, config);
    }
    case 'audit': {
      if (rest[0] !== 'verify' || rest.length > 1) return usageError(io, 'usage: cloud audit verify');
      const config = loadConfig(io, values);
      if (config === undefined) return EXIT_USAGE;
      return auditVerify(io, config);
    }
    case undefined:
      return usageError(io, 'a command is required');
    default:
      return usageError(io, `unknown command "${command}"`);
  }
}
