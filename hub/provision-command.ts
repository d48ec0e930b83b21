/** `hub provision`: store the hub's relay credential from a claim code or a rotated token (docs/provisioning.md). */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from './cli.ts';
import { loadHubConfig } from './config.ts';
import { credentialPath } from './credential-store.ts';
import { urlForLog } from './logger.ts';
import { provisionWithClaim, provisionWithToken, ProvisionError } from './provision.ts';
import { createLevelStore } from './store/level-store.ts';

export const PROVISION_USAGE = `Usage: hub provision --relay URL --claim CODE [--force] [-c FILE] [--data DIR]
       hub provision --relay URL --token-stdin [--force] [-c FILE] [--data DIR]

Exchanges a one-time claim code (from the operator: POST /v1/hubs or /v1/hubs/{id}/claims) for
this hub's relay credential, and stores it in <data>/credential.json (mode 0600). With
--token-stdin it installs a credential from a rotation (POST /v1/hubs/{id}/rotate), read from
standard input so it stays out of the shell's history. Run it while the hub is stopped; then
\`hub start\` forwards with it.

  --relay URL      the relay (https://, or http:// on this machine; env HUB_RELAY_URL)
  --claim CODE     the claim code; case, dashes and spaces do not matter
  --token-stdin    read a rotated credential from standard input
  --force          replace a credential the hub already has
  -c, --config     JSON config file (env HUB_CONFIG): the hub id and data folder come from it
  --data DIR       data folder (env HUB_DATA_DIR)

Exit status: 0 provisioned, 1 the relay refused or could not be reached, 2 bad usage.`;

export interface ProvisionCommandDeps {
  /** Standard input, read whole (--token-stdin). */
  readStdin?: () => Promise<string>;
  fetch?: typeof fetch;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function provisionCommand(argv: string[], io: CliIo, deps: ProvisionCommandDeps = {}): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        relay: { type: 'string' },
        claim: { type: 'string' },
        'token-stdin': { type: 'boolean' },
        force: { type: 'boolean' },
        config: { type: 'string', short: 'c' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`hub provision: ${(err as Error).message}`);
    io.err(PROVISION_USAGE);
    return 2;
  }
  if (values.help) {
    io.out(PROVISION_USAGE);
    return 0;
  }
  if ((values.claim === undefined) === (values['token-stdin'] !== true)) {
    io.err('hub provision: give either --claim CODE or --token-stdin');
    io.err(PROVISION_USAGE);
    return 2;
  }
  const file = values.config ?? io.env.HUB_CONFIG;
  // The relay URL goes through the config's checks (https unless loopback, no credentials in it).
  const loaded = loadHubConfig({ file, env: io.env, overrides: { HUB_DATA_DIR: values.data, HUB_RELAY_URL: values.relay } });
  if (!loaded.ok) {
    io.err(`hub provision: invalid configuration (${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'}):`);
    for (const e of loaded.errors) io.err(`  ${e.path}: ${e.message}`);
    return 2;
  }
  const { config } = loaded;
  if (config.relay.url === undefined) {
    io.err('hub provision: --relay URL is required (or relay.url in the config)');
    return 2;
  }
  const path = credentialPath(config.dataDir);
  if (existsSync(path) && values.force !== true) {
    io.err(`hub provision: this hub already has a credential (${path}); --force replaces it`);
    return 2;
  }
  // Owner only, as `hub start` makes it: the credential and the event log live here.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const common = {
    hubId: config.hubId,
    dataDir: config.dataDir,
    relayUrl: config.relay.url,
    createStore: () => createLevelStore(join(config.dataDir, 'leveldb')),
    ...(deps.fetch && { fetch: deps.fetch }),
  };
  try {
    if (values.claim !== undefined) {
      const done = await provisionWithClaim({ ...common, code: values.claim });
      io.out(`provisioned hub ${done.hubId} at ${urlForLog(done.relayUrl)} (epoch ${done.epoch})`);
      io.out(done.logSeq === 0 ? `the event log starts at seq ${done.firstSeq}` : `the event log goes on after seq ${done.logSeq}`);
    } else {
      const token = (await (deps.readStdin ?? readAllStdin)()).trim();
      if (token.length < 16) {
        io.err('hub provision: --token-stdin read no credential (at least 16 characters) from standard input');
        return 2;
      }
      const done = await provisionWithToken({ ...common, token });
      io.out(`installed a new credential for hub ${done.hubId} at ${urlForLog(done.relayUrl)} (epoch ${done.epoch})`);
    }
  } catch (err) {
    if (err instanceof ProvisionError) {
      io.err(`hub provision: ${err.message}`);
      return err.code === 'bad-code' ? 2 : 1;
    }
    throw err;
  }
  io.out(`credential stored in ${path} (mode 0600); start the hub (hub start) to forward with it`);
  if (config.relay.token !== undefined) {
    io.err('hub provision: note: the config also sets a token (relay.token or HUB_RELAY_TOKEN), which hub start prefers; remove it to use the stored credential');
  }
  return 0;
}
