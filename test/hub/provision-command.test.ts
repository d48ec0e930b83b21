/** `hub provision` usage and the refusals that need no relay (docs/provisioning.md#the-flow). */
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main, type CliIo } from '../../hub/cli.ts';

function io(env: Record<string, string | undefined> = { HUB_ID: 'hub-1' }) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env };
  return { cli, out, err };
}

t.test('help, and the one-of --claim / --token-stdin rule', async (t) => {
  const help = io();
  t.equal(await main(['provision', '--help'], help.cli), 0);
  t.match(help.out[0], /hub provision --relay URL --claim CODE/);
  const main_ = io();
  t.equal(await main(['--help'], main_.cli), 0);
  t.match(main_.out[0], /provision --relay URL --claim CODE/, 'listed in hub --help');
  for (const args of [[], ['--claim', 'X', '--token-stdin']]) {
    const r = io();
    t.equal(await main(['provision', '--relay', 'http://127.0.0.1:1', ...args], r.cli), 2, args.join(' ') || 'neither');
    t.match(r.err[0], /give either --claim CODE or --token-stdin/);
  }
});

t.test('the relay URL passes the config\'s checks before anything is sent', async (t) => {
  const dir = t.testdir();
  const plain = io();
  t.equal(await main(['provision', '--relay', 'http://relay.example', '--claim', '7K3D-M9QX-2HTB', '--data', dir], plain.cli), 2);
  t.match(plain.err.join('\n'), /--relay-url: http:\/\/ would send the hub token unencrypted/);
  const none = io();
  t.equal(await main(['provision', '--claim', '7K3D-M9QX-2HTB', '--data', dir], none.cli), 2);
  t.match(none.err[0], /--relay URL is required/);
  const noId = io({});
  t.equal(await main(['provision', '--relay', 'https://relay.example', '--claim', '7K3D-M9QX-2HTB', '--data', dir], noId.cli), 2);
  t.match(noId.err.join('\n'), /hubId/);
  t.notOk(existsSync(join(dir, 'credential.json')));
});

t.test('an unreachable relay: a clear message, exit 1, no credential, the store closed again', async (t) => {
  const dir = t.testdir();
  const run = io();
  t.equal(await main(['provision', '--relay', 'http://127.0.0.1:1', '--claim', '7K3D-M9QX-2HTB', '--data', dir], run.cli), 1);
  t.match(run.err[0], /hub provision: relay unreachable/);
  t.notOk(existsSync(join(dir, 'credential.json')));
  const again = io();
  t.equal(await main(['provision', '--relay', 'http://127.0.0.1:1', '--claim', '7K3D-M9QX-2HTB', '--data', dir], again.cli), 1, 'a second try can open the store');
  t.match(again.err[0], /relay unreachable/);
});
