/** `hub` command line: start the daemon, check a config, hash a secret. */
import { parseArgs } from 'node:util';
import { loadHubConfig, type ConfigIssue } from './config.ts';
import { createLogger } from './logger.ts';
import { createHub } from './main.ts';
import { newSecret, sha256Hex } from './secrets.ts';

const USAGE = `Usage: hub <command> [options]

Commands:
  start              run the hub daemon (MQTT broker, serial receivers, rules, panel, forwarder)
  check-config       validate the config and print the effective settings
  hash-secret [s]    print the SHA-256 of a device password for the config (a new random one if none given)

Options (start, check-config):
  -c, --config FILE      JSON config file (env HUB_CONFIG)
      --data DIR         data folder for LevelDB (env HUB_DATA_DIR, default ./data/hub)
      --panel-port N     alarm panel HTTP port (env HUB_PANEL_PORT, default 8080; 0 = any free port)
      --broker-port N    MQTT broker port (env HUB_BROKER_PORT, default 1884; 0 = any free port)
      --relay-url URL    cloud relay base URL (env HUB_RELAY_URL; token in HUB_RELAY_TOKEN)
      --log-level LEVEL  fatal|error|warn|info|debug|trace|silent (env HUB_LOG_LEVEL)
  -h, --help             show this help

Exit status: 0 ok, 1 runtime failure, 2 bad usage or bad config.
See docs/configuration.md for every config field.
`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  env: process.env,
};

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        data: { type: 'string' },
        'panel-port': { type: 'string' },
        'broker-port': { type: 'string' },
        'relay-url': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`hub: ${(err as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (command === 'hash-secret') {
    const secret = positionals[1] ?? newSecret();
    if (!positionals[1]) io.out(`secret: ${secret}`);
    io.out(`sha256: ${sha256Hex(secret)}`);
    return 0;
  }
  if (command !== 'start' && command !== 'check-config') {
    io.err(command ? `hub: unknown command "${command}"` : 'hub: missing command');
    io.err(USAGE);
    return 2;
  }
  const result = loadHubConfig({
    file: values.config ?? io.env.HUB_CONFIG,
    env: io.env,
    overrides: {
      HUB_DATA_DIR: values.data,
      HUB_PANEL_PORT: values['panel-port'],
      HUB_BROKER_PORT: values['broker-port'],
      HUB_RELAY_URL: values['relay-url'],
      HUB_LOG_LEVEL: values['log-level'],
    },
  });
  if (!result.ok) {
    printConfigErrors(result.errors, io);
    return 2;
  }
  if (command === 'check-config') {
    io.out(JSON.stringify({ ...result.config, relay: { ...result.config.relay, token: result.config.relay.token ? '[set]' : undefined } }, null, 2));
    return 0;
  }
  return runDaemon(result.config, io);
}

function printConfigErrors(errors: ConfigIssue[], io: CliIo): void {
  io.err(`hub: invalid configuration (${errors.length} problem${errors.length === 1 ? '' : 's'}):`);
  for (const e of errors) io.err(`  ${e.path}: ${e.message}`);
}

async function runDaemon(config: Parameters<typeof createHub>[0], io: CliIo): Promise<number> {
  const logger = createLogger(config.logLevel);
  const hub = createHub(config, { logger });
  let running;
  try {
    running = await hub.start();
  } catch (err) {
    logger.fatal({ err }, 'hub failed to start');
    await hub.stop().catch(() => undefined);
    return 1;
  }
  io.out(`Panel: ${running.panelUrl}`);
  io.out(`MQTT: mqtt://localhost:${running.brokerPort}`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'shutting down');
  const forceExit = setTimeout(() => {
    logger.error('shutdown took longer than 10 s; exiting');
    process.exit(1);
  }, 10_000);
  forceExit.unref();
  await hub.stop();
  clearTimeout(forceExit);
  return 0;
}
