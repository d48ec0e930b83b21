/**
 * `hub staff add <id> --name "..."` and `hub display add <name>`: write who may use
 * the alarm panel into the hub's config file (docs/panel.md). The PIN is asked for
 * twice without echo on a terminal, or read as two lines from piped standard input
 * (scripts, tests); only its scrypt hash reaches the file.
 */
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import type { CliIo } from './cli.ts';
import { CredentialError, hashPin, newPairingCode, normalisePairingCode, pinProblem, tokenSha256 } from './staff/credentials.ts';
import { DisplayEntry, StaffMember } from './staff/staff-config.ts';

export const STAFF_USAGE = `Usage:
  hub staff add <id> --name "Full Name" -c FILE
      asks for a PIN (6+ digits) or password (10+ characters) twice, without echo, and writes
      { id, name, pinScrypt } into the config's staff list (an existing id gets the new PIN).
      Without a terminal, reads the PIN from the first two lines of standard input.
  hub display add <name> -c FILE [--panel-url URL] [--valid-hours H]
      writes a display entry with a one-time pairing code (valid H hours, default 24) and
      prints the code and the pairing link; adding an existing name pairs it anew.
Restart the hub afterwards: it reads staff and displays at start. See docs/panel.md.
`;

export interface StaffCliInput {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  /** Where prompts go (a terminal's prompts must not end up in a piped stdout). */
  prompt: (text: string) => void;
}

const processInput: StaffCliInput = { stdin: process.stdin, prompt: (text) => process.stderr.write(text) };

class UsageError extends Error {
  constructor(message: string, readonly showUsage = true) {
    super(message);
  }
}

export async function staffCommand(argv: string[], io: CliIo, input: StaffCliInput = processInput): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        name: { type: 'string' },
        'panel-url': { type: 'string' },
        'valid-hours': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`hub: ${(err as Error).message}`);
    io.err(STAFF_USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const [kind, verb, id] = positionals;
  if (values.help) {
    io.out(STAFF_USAGE);
    return 0;
  }
  try {
    if (verb !== 'add' || !id || positionals.length !== 3) throw new UsageError(`expected \`hub ${kind} add <${kind === 'staff' ? 'id' : 'name'}>\``);
    const file = values.config ?? io.env.HUB_CONFIG;
    if (!file) throw new UsageError('-c, --config FILE: the hub config file to write into is required');
    const config = readConfig(file);
    if (kind === 'staff') {
      if (!values.name) throw new UsageError('--name: required (shown on the panel while signed in)');
      const pin = await readPinTwice(input);
      const entry = StaffMember.parse({ id, name: values.name, pinScrypt: await hashPin(pin) });
      const replaced = upsert(config, 'staff', entry);
      writeConfig(file, config);
      io.out(`${replaced ? 'Changed the PIN of' : 'Added'} staff member ${entry.id} (${entry.name}) in ${file}. Restart the hub to apply.`);
      return 0;
    }
    const hours = values['valid-hours'] === undefined ? 24 : Number(values['valid-hours']);
    if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) throw new UsageError('--valid-hours: expected a number of hours between 0 and 720');
    const code = newPairingCode();
    const entry = DisplayEntry.parse({
      id,
      pairingCodeSha256: tokenSha256(normalisePairingCode(code)),
      pairingExpiresAt: new Date(Date.now() + hours * 3600_000).toISOString(),
    });
    const replaced = upsert(config, 'displays', entry);
    writeConfig(file, config);
    const base = (values['panel-url'] ?? panelBaseUrl(config)).replace(/\/?$/, '/');
    io.out(`${replaced ? 'Re-pairing' : 'Added'} display ${entry.id} in ${file}. Restart the hub to apply.`);
    io.out(`Pairing code (one use, until ${entry.pairingExpiresAt}): ${code}`);
    io.out(`Pairing link: ${base}pair?code=${code}`);
    io.out(`Open the link on the display, or open ${base}pair there and type the code.`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`hub: ${err.message}`);
      if (err.showUsage) io.err(STAFF_USAGE);
      return 2;
    }
    if (err instanceof CredentialError) {
      io.err(`hub: PIN refused: ${err.message}`);
      return 2;
    }
    if (err instanceof Error && err.name === 'ZodError') {
      const issues = (err as unknown as { issues: Array<{ path: PropertyKey[]; message: string }> }).issues;
      for (const issue of issues) io.err(`hub: ${issue.path.map(String).join('.')}: ${issue.message}`);
      return 2;
    }
    io.err(`hub: ${(err as Error).message}`);
    return 1;
  }
}

type ConfigObject = Record<string, unknown>;

function readConfig(file: string): ConfigObject {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: cannot read the config: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`${file}: the config must be a JSON object`);
  return raw as ConfigObject;
}

/** Replaces the entry with the same id or appends it; true when it replaced one. */
function upsert(config: ConfigObject, list: 'staff' | 'displays', entry: { id: string }): boolean {
  const current = config[list] ?? [];
  if (!Array.isArray(current)) throw new UsageError(`${list}: expected a list in the config`);
  const at = current.findIndex((e: unknown) => (e as { id?: unknown })?.id === entry.id);
  if (at >= 0) current[at] = entry;
  else current.push(entry);
  config[list] = current;
  return at >= 0;
}

/** Writes beside the file and renames over it, so a crash leaves the old or the new config, never half. */
function writeConfig(file: string, config: ConfigObject): void {
  const mode = statSync(file).mode & 0o777;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode });
  chmodSync(tmp, mode); // writeFileSync's mode is masked by the umask
  renameSync(tmp, file);
}

/** Where the display will find the panel: the configured host, else this machine's first LAN address. */
function panelBaseUrl(config: ConfigObject): string {
  const panel = (config.panel ?? {}) as { host?: unknown; port?: unknown };
  const port = typeof panel.port === 'number' && panel.port > 0 ? panel.port : 8080;
  let host = typeof panel.host === 'string' && panel.host !== '0.0.0.0' && panel.host !== '::' ? panel.host : undefined;
  host ??= Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  return `http://${host ?? 'localhost'}:${port}/`;
}

async function readPinTwice(input: StaffCliInput): Promise<string> {
  let first: string;
  let second: string;
  if (input.stdin.isTTY && input.stdin.setRawMode) {
    first = await promptHidden(input, 'PIN: ');
    const problem = pinProblem(first);
    if (problem) throw new CredentialError('weak-pin', problem);
    second = await promptHidden(input, 'PIN again: ');
  } else {
    const lines = (await readAll(input.stdin)).split(/\r?\n/);
    if (lines.length < 2 || lines[1] === undefined) throw new UsageError('standard input: expected the PIN on two lines');
    [first, second] = [lines[0]!, lines[1]];
  }
  if (first !== second) throw new UsageError('the two PINs differ; nothing was written', false);
  return first;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    // Two lines are all we need; do not wait for an end that a held-open pipe never sends.
    if (text.split('\n').length > 2) break;
  }
  return text;
}

/** Reads one line from a terminal in raw mode, echoing nothing. Ctrl-C or Ctrl-D aborts. */
function promptHidden(input: StaffCliInput, question: string): Promise<string> {
  const { stdin } = input;
  input.prompt(question);
  stdin.setRawMode!(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let line = '';
    const done = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode!(false);
      stdin.pause();
      input.prompt('\n');
      if (err) reject(err);
      else resolve(line);
    };
    function onData(chunk: Buffer | string) {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('aborted; nothing was written', false));
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else if (ch >= ' ') line += ch;
      }
    }
    stdin.on('data', onData);
  });
}
