/** `hub` command line: start the daemon, check a config, hash a secret. */
import { parseArgs } from 'node:util';
import { loadHubConfig, warnIfConfigReadable, type ConfigIssue, type HubConfig } from './config.ts';
import { createLogger, urlForLog } from './logger.ts';
import { createHub } from './main.ts';
import { staffCommand } from './cli-staff.ts';
import { fallsCommand } from './tools/falls-command.ts';
import { news2Command } from './tools/news2-command.ts';
import { newSecret, sha256Hex } from './secrets.ts';
import { resolveRelayCredential } from './credential-store.ts';

const USAGE = `Usage: hub <command> [options]

Commands:
  start              run the hub daemon (MQTT broker, serial receivers, rules, panel, forwarder)
  check-config       validate the config and print the effective settings
  staff add <id>     add a staff member who may sign in on the panel (asks for the PIN twice; hub staff --help)
  display add <name> pair a display that shows alarms without a sign-in (prints a one-time link; hub display --help)
  provision --relay URL --claim CODE  exchange the operator's claim code for this hub's relay credential (hub provision --help)
  hash-secret        make a new random device or hub token (256 bits) and print it with its SHA-256 for the config
  status             ask the running hub how its outbox, disk budget and relay link are doing (hub status --help)
  falls --format sisfall FILE...  run the fall detector over recorded traces, one JSON line per file (hub falls --help)
  news2 '<json>'|-   NEWS2 score and band of one observation set, or one per line of stdin (hub news2 --help)
  decode <codec> [<characteristic>] <hex>|-  what a device codec makes of one frame, as JSON (hub decode --help)

Options (start, check-config):
  -c, --config FILE      JSON config file (env HUB_CONFIG)
      --data DIR         data folder for LevelDB (env HUB_DATA_DIR, default ./data/hub)
      --panel-port N     alarm panel HTTP port (env HUB_PANEL_PORT, default 8080; 0 = any free port)
      --broker-port N    MQTT broker port (env HUB_BROKER_PORT, default 1884; 0 = any free port)
      --relay-url URL    cloud relay base URL (env HUB_RELAY_URL; token in HUB_RELAY_TOKEN, else the one hub provision stored)
      --log-level LEVEL  fatal|error|warn|info|debug|trace|silent (env HUB_LOG_LEVEL)
  -h, --help             show this help

check-config prints "config ok" and a summary on stderr and the effective settings (secrets
masked) as JSON on stdout, or every problem at once.

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
  if (argv[0] === 'staff' || argv[0] === 'display') return staffCommand(argv, io);
  if (argv[0] === 'falls') return fallsCommand(argv, io);
  if (argv[0] === 'provision') return (await import('./provision-command.ts')).provisionCommand(argv.slice(1), io);
  if (argv[0] === 'news2') return news2Command(argv.slice(1), io);
  if (argv[0] === 'status') return (await import('./tools/status-command.ts')).statusCommand(argv.slice(1), io);
  if (argv[0] === 'decode') return (await import('./tools/decode-command.ts')).decodeCommand(argv.slice(1), io); // loads the codecs only when asked
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
    // A word someone chose is guessable, and a SHA-256 of it is cracked offline in seconds: credentials
    // hashed with SHA-256 must be generated. Same command and output as `cloud hash-secret`.
    if (positionals.length > 1) {
      io.err('hub: hash-secret takes no argument: it makes a new random token (a chosen word is not a credential)');
      io.err(USAGE);
      return 2;
    }
    const token = newSecret();
    io.out(`token: ${token}`);
    io.out(`sha256: ${sha256Hex(token)}`);
    return 0;
  }
  if (command !== 'start' && command !== 'check-config') {
    io.err(command ? `hub: unknown command "${command}"` : 'hub: missing command');
    io.err(USAGE);
    return 2;
  }
  const file = values.config ?? io.env.HUB_CONFIG;
  const result = loadHubConfig({
    file,
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
    const { config } = result;
    io.err(`hub: config ok (${summary(config)})`);
    const relay = { ...config.relay, url: config.relay.url && urlForLog(config.relay.url), token: config.relay.token ? '[set]' : undefined };
    // A PIN's scrypt hash can be brute-forced offline (a PIN is short): not printed.
    const staff = config.staff.map((member) => ({ ...member, pinScrypt: '[set]' }));
    io.out(JSON.stringify({ ...config, relay, staff }, null, 2));
    return 0;
  }
  return runDaemon(result.config, file, io);
}

function summary(config: HubConfig): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const relay = config.relay.url ? `relay ${urlForLog(config.relay.url)}` : 'no relay';
  return [`hub ${config.hubId}`, count(config.rooms.length, 'room'), count(config.receivers.length, 'receiver'), count(config.devices.length, 'device'), count(config.staff.length, 'staff member'), count(config.displays.length, 'display'), relay].join(', ');
}

function printConfigErrors(errors: ConfigIssue[], io: CliIo): void {
  io.err(`hub: invalid configuration (${errors.length} problem${errors.length === 1 ? '' : 's'}):`);
  for (const e of errors) io.err(`  ${e.path}: ${e.message}`);
}

async function runDaemon(config: Parameters<typeof createHub>[0], file: string | undefined, io: CliIo): Promise<number> {
  // Everything the daemon creates (LevelDB files included, which it makes 0644 minus the umask) is
  // the owner's alone; the data folder itself is made 0700 at start.
  process.umask(0o077);
  const logger = createLogger(config.logLevel);
  if (file) warnIfConfigReadable(file, logger.child({ module: 'config' }));
  let relay;
  try {
    relay = resolveRelayCredential(config);
  } catch (err) {
    logger.fatal({ err }, 'the stored relay credential cannot be used');
    return 2;
  }
  if (relay.url === undefined && relay.reason === 'not-provisioned') {
    // The edge works alone (docs/architecture.md#promises, 3): start, keep everything, and say what is missing.
    logger.error('relay.url is set but this hub has no credential: run `hub provision --relay <url> --claim <code>`; nothing is forwarded until then');
  }
  const hub = createHub(relay.url === undefined ? config : { ...config, relay: { ...config.relay, url: relay.url, token: relay.token } }, { logger });
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
