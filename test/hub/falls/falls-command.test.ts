import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { main } from '../../../hub/cli.ts';
import { requirement } from '../../support/requirements.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SISFALL = resolve(ROOT, '../shared/data/falls/sisfall');
const skip = requirement('the SisFall sample (../shared/data/falls/sisfall)', existsSync(SISFALL), 'the shared test data folder next to the repository');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), env: {} } };
}

t.test('npx hub falls: one JSON line per file in order, an error line for a missing file, exit 1', { skip }, async (t) => {
  const fall = join(SISFALL, 'SA01/F11_SA01_R01.txt'); // backward fall while sitting down: the fall most often missed
  const jog = join(SISFALL, 'SA01/D04_SA01_R01.txt'); // jogging quickly: trips threshold detectors
  const missing = join(t.testdirName, 'no-such-trace.txt');
  const run = spawnSync(process.execPath, [join(ROOT, 'bin/hub.js'), 'falls', '--format', 'sisfall', fall, jog, missing], { encoding: 'utf8', cwd: ROOT });
  t.equal(run.status, 1, 'non-zero exit because one file was unreadable');
  const lines = run.stdout.trimEnd().split('\n');
  t.equal(lines.length, 3, run.stdout + run.stderr);
  const [first, second, third] = lines.map((l) => JSON.parse(l));
  t.same(Object.keys(first), ['file', 'fall', 'at_s']);
  t.equal(first.file, fall, 'the path as given');
  t.equal(first.fall, true);
  t.ok(typeof first.at_s === 'number' && first.at_s > 1 && first.at_s < 14, `at_s ${first.at_s} s inside the 15 s trace`);
  t.same(second, { file: jog, fall: false, at_s: null });
  t.equal(third.file, missing);
  t.match(third.error, /ENOENT/);
  t.notOk('fall' in third, 'an error line carries no decision');
});

t.test('a malformed file gets an error line naming the line; the others still run', { skip }, async (t) => {
  const dir = t.testdir({ 'bad.txt': '1,2,3,4,5,6,7,8,9;\r\n1,2,3\r\n' });
  const good = join(SISFALL, 'SE01/D14_SE01_R01.txt');
  const run = capture();
  t.equal(await main(['falls', '--format', 'sisfall', join(dir, 'bad.txt'), good], run.io), 1);
  t.same(JSON.parse(run.out[0]!), { file: join(dir, 'bad.txt'), error: 'line 2: expected 9 comma-separated integers, got "1,2,3"' });
  t.same(JSON.parse(run.out[1]!), { file: good, fall: false, at_s: null });
});

t.test('all files readable: exit 0', { skip }, async (t) => {
  const run = capture();
  t.equal(await main(['falls', '--format', 'sisfall', join(SISFALL, 'SA02/F13_SA02_R01.txt')], run.io), 0);
  t.match(JSON.parse(run.out[0]!), { fall: true, at_s: Number });
});

t.test('usage errors: no format, unknown format, no files (exit 2); --help (exit 0)', async (t) => {
  for (const [args, message] of [
    [['falls', 'x.txt'], /--format is required/],
    [['falls', '--format', 'csv', 'x.txt'], /unknown format "csv"/],
    [['falls', '--format', 'sisfall'], /no files given/],
    [['falls', '--format', 'sisfall', '--bogus', 'x.txt'], /bogus/],
  ] as const) {
    const run = capture();
    t.equal(await main([...args], run.io), 2, args.join(' '));
    t.match(run.err.join('\n'), message);
    t.same(run.out, [], 'nothing on stdout');
  }
  const help = capture();
  t.equal(await main(['falls', '--help'], help.io), 0);
  t.match(help.out.join('\n'), /hub falls --format sisfall <files\.\.\.>/);
  const top = capture();
  t.equal(await main(['--help'], top.io), 0);
  t.match(top.out.join('\n'), /falls --format sisfall FILE\.\.\./, 'listed in hub --help');
});
