import { createHash } from 'node:crypto';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { main as cloudMain } from '../../cloud/cli.ts';
import { main } from '../../hub/cli.ts';
import { hashPin } from '../../hub/staff/credentials.ts';

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), env } };
}

function writeConfig(t: Test, config: unknown): string {
  return join(t.testdir({ 'hub.json': JSON.stringify(config) }), 'hub.json');
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

t.test('hash-secret makes a new random token and prints it with its hash', async (t) => {
  const first = capture();
  t.equal(await main(['hash-secret'], first.io), 0);
  t.equal(first.out.length, 2);
  const [, token] = /^token: (\S+)$/.exec(first.out[0] ?? '') ?? [];
  const [, hash] = /^sha256: ([0-9a-f]{64})$/.exec(first.out[1] ?? '') ?? [];
  t.ok(token && hash, first.out.join('\n'));
  t.equal(hash, sha256(token!), 'the hash is of the printed token');
  // base64url of 32 random bytes: 256 bits, well above the 128 a credential needs
  t.match(token, /^[A-Za-z0-9_-]{43}$/);
  const second = capture();
  await main(['hash-secret'], second.io);
  t.not(second.out[0], first.out[0], 'a new token each time');
});

t.test('hash-secret refuses to hash a word someone chose', async (t) => {
  const run = capture();
  t.equal(await main(['hash-secret', 'secret'], run.io), 2);
  t.same(run.out, [], 'no hash printed');
  t.match(run.err.join('\n'), /takes no argument: it makes a new random token/);
});

t.test('hub and cloud hash-secret behave alike', async (t) => {
  const hub = capture();
  const cloud = capture();
  t.equal(await main(['hash-secret'], hub.io), 0);
  t.equal(await cloudMain(['hash-secret'], cloud.io), 0);
  const cloudLines = cloud.out.join('').trimEnd().split('\n');
  const shape = (lines: string[]) => lines.map((l) => l.replace(/: .*/, ': <value>'));
  t.same(shape(cloudLines), shape(hub.out), 'same lines, same labels');
  t.same(shape(hub.out), ['token: <value>', 'sha256: <value>']);
  const cloudToken = cloudLines[0]!.slice('token: '.length);
  t.equal(cloudLines[1], `sha256: ${sha256(cloudToken)}`);
  t.equal(cloudToken.length, 43);
  const hubBad = capture();
  const cloudBad = capture();
  t.equal(await main(['hash-secret', 'word'], hubBad.io), 2);
  t.equal(await cloudMain(['hash-secret', 'word'], cloudBad.io), 2);
  t.match(cloudBad.err.join(''), /takes no argument: it makes a new random token/);
});

t.test('check-config: "config ok" with a summary, and settings with secrets masked', async (t) => {
  const file = writeConfig(t, {
    hubId: 'h1',
    rooms: [{ id: 'r1', name: 'Room 1' }],
    devices: [{ id: 'd1', roomId: 'r1', mqtt: { passwordSha256: 'a'.repeat(64) } }],
    relay: { url: 'https://relay.example.org/base?key=querysecret' },
    staff: [{ id: 'nurse-1', name: 'Nurse One', pinScrypt: await hashPin('482916') }],
  });
  const run = capture({ HUB_RELAY_TOKEN: 'tokensecret-tokensecret' });
  t.equal(await main(['check-config', '-c', file], run.io), 0);
  t.same(run.err, ['hub: config ok (hub h1, 1 room, 0 receivers, 1 device, 1 staff member, 0 displays, relay https://relay.example.org/base?key=redacted)']);
  const settings = JSON.parse(run.out.join('\n'));
  t.match(settings, {
    hubId: 'h1',
    relay: { token: '[set]', url: 'https://relay.example.org/base?key=redacted', allowInsecureHttp: false },
    staff: [{ id: 'nurse-1', pinScrypt: '[set]' }],
  });
  t.notMatch(run.out.join('\n') + run.err.join('\n'), /tokensecret|querysecret|scrypt\$/);
});

t.test('check-config: every problem at once, exit 2', async (t) => {
  const file = writeConfig(t, {
    hubId: 'h1',
    rooms: [{ id: 'r1' }],
    devices: [{ id: 'd1', roomId: 'r2', mqtt: { passwordSha256: 'a'.repeat(64) } }],
  });
  const run = capture();
  t.equal(await main(['check-config', '--config', file, '--panel-port', 'eighty'], run.io), 2);
  t.same(run.out, []);
  t.equal(run.err[0], 'hub: invalid configuration (3 problems):');
  t.same(run.err.slice(1).sort(), [
    '  --panel-port: expected a number, got "eighty"',
    '  devices.0.roomId: unknown room "r2"',
    '  rooms.0.name: Invalid input: expected string, received undefined',
  ]);
});
