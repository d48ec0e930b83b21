/** `hub staff add` and `hub display add`: what they write into the config, and what they refuse. */
import t, { type Test } from 'tap';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../hub/cli.ts';
import { staffCommand } from '../../hub/cli-staff.ts';
import { loadHubConfig } from '../../hub/config.ts';
import { normalisePairingCode, tokenSha256, verifyPin } from '../../hub/staff/credentials.ts';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} }, out, err };
}

function configFile(t: Test): string {
  const file = join(t.testdir(), 'hub.json');
  writeFileSync(file, JSON.stringify({ hubId: 'hub-cli', rooms: [{ id: 'room-1', name: 'Room 1' }] }), { mode: 0o600 });
  return file;
}

const piped = (text: string) => ({ stdin: Readable.from([text]), prompt: () => {} });

t.test('staff add reads the PIN twice from piped stdin and writes only its scrypt hash', async (t) => {
  const file = configFile(t);
  const { io: cli, out } = io();
  t.equal(await staffCommand(['staff', 'add', 'nurse-ana', '--name', 'Ana Silva', '-c', file], cli, piped('735194\n735194\n')), 0);
  t.match(out.join('\n'), /Added staff member nurse-ana \(Ana Silva\)/);
  const text = readFileSync(file, 'utf8');
  t.notMatch(text, /735194/, 'the PIN itself is not in the file');
  const written = JSON.parse(text);
  t.match(written.staff, [{ id: 'nurse-ana', name: 'Ana Silva', pinScrypt: /^scrypt\$32768\$8\$1\$/ }]);
  t.equal(await verifyPin('735194', written.staff[0].pinScrypt), true, 'the hash verifies the PIN');
  t.equal(await verifyPin('735195', written.staff[0].pinScrypt), false, 'and no other');
  t.equal(statSync(file).mode & 0o777, 0o600, 'the file keeps its mode');
  const loaded = loadHubConfig({ file });
  t.ok(loaded.ok, 'the hub accepts the written config');

  t.equal(await staffCommand(['staff', 'add', 'nurse-ana', '--name', 'Ana Silva', '-c', file], cli, piped('pass phrase here\npass phrase here\n')), 0);
  const again = JSON.parse(readFileSync(file, 'utf8'));
  t.equal(again.staff.length, 1, 'the same id is replaced, not added twice');
  t.not(again.staff[0].pinScrypt, written.staff[0].pinScrypt, 'with a new hash (a password this time)');
});

t.test('staff add refuses weak or mismatched PINs and bad usage, writing nothing', async (t) => {
  const file = configFile(t);
  const before = readFileSync(file, 'utf8');
  const cases: Array<[string, string[], string, RegExp]> = [
    ['five digits', ['staff', 'add', 'n1', '--name', 'N'], '73519\n73519\n', /at least 6 digits/],
    ['a counting run', ['staff', 'add', 'n1', '--name', 'N'], '123456\n123456\n', /counting run/],
    ['one digit repeated', ['staff', 'add', 'n1', '--name', 'N'], '777777\n777777\n', /repeated/],
    ['a short password', ['staff', 'add', 'n1', '--name', 'N'], 'secret\nsecret\n', /at least 10 characters/],
    ['two different PINs', ['staff', 'add', 'n1', '--name', 'N'], '735194\n735195\n', /differ/],
    ['one line only', ['staff', 'add', 'n1', '--name', 'N'], '735194', /two lines/],
    ['no --name', ['staff', 'add', 'n1'], '735194\n735194\n', /--name/],
    ['a bad id', ['staff', 'add', 'bad id!', '--name', 'N'], '735194\n735194\n', /id: letters, digits/],
  ];
  for (const [what, args, stdin, message] of cases) {
    const { io: cli, err } = io();
    t.equal(await staffCommand([...args, '-c', file], cli, piped(stdin)), 2, `${what}: exit 2`);
    t.match(err.join('\n'), message, `${what}: says why`);
  }
  const { io: cli, err } = io();
  t.equal(await staffCommand(['staff', 'add', 'n1', '--name', 'N'], cli, piped('735194\n735194\n')), 2, 'no config file: exit 2');
  t.match(err.join('\n'), /--config FILE/);
  t.equal(readFileSync(file, 'utf8'), before, 'nothing was written');
});

t.test('display add writes a pairing code hash with an expiry and prints the link', async (t) => {
  const file = configFile(t);
  const { io: cli, out } = io();
  // Through the hub CLI's own dispatch, as `npx hub display add` runs it.
  t.equal(await main(['display', 'add', 'nurses-station', '-c', file, '--panel-url', 'http://hub.lan:8080', '--valid-hours', '2'], cli), 0);
  const text = out.join('\n');
  const code = /^Pairing code \(one use, until \S+\): (\S+)$/m.exec(text)?.[1];
  t.ok(code, 'prints the code');
  t.match(code, /^[0-9A-Z]{4}(-[0-9A-Z]{1,4}){6}$/, '26 base32 digits (130 bits) in groups');
  t.match(text, new RegExp(`^Pairing link: http://hub\\.lan:8080/pair\\?code=${code}$`, 'm'), 'and the link');
  const [entry] = JSON.parse(readFileSync(file, 'utf8')).displays;
  t.equal(entry.id, 'nurses-station');
  t.equal(entry.pairingCodeSha256, tokenSha256(normalisePairingCode(code!)), 'only the hash of the code is stored');
  t.notMatch(readFileSync(file, 'utf8'), code!.replaceAll('-', ''), 'not the code');
  const hours = (Date.parse(entry.pairingExpiresAt) - Date.now()) / 3600_000;
  t.ok(hours > 1.9 && hours <= 2, `valid for --valid-hours (${hours.toFixed(2)} h)`);
  t.ok(loadHubConfig({ file }).ok, 'the hub accepts the written config');

  const { io: bad, err } = io();
  t.equal(await main(['display', 'add', 'x', '-c', file, '--valid-hours', 'soon'], bad), 2);
  t.match(err.join('\n'), /--valid-hours/);
});
