/**
 * `hub news2`: the output other tools read (one JSON line per input), through the real bin
 * (bin/hub.js, as `npx hub` runs it) and in-process through `main` for the smaller cases.
 */
import { Readable } from 'node:stream';
import t from 'tap';
import { main } from '../../../hub/cli.ts';
import { news2Command } from '../../../hub/tools/news2-command.ts';
import { runBin } from '../../support/run-hub-bin.ts';



function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), env: {} } };
}

const NORMAL = { rr: 16, spo2: 97, scale: 1, o2: false, sbp: 120, hr: 70, acvpu: 'A', temp: 37.0 };
// RCP chart 1 applied to the Welsh ED FHIR IG inputs (docs/news2.md): 5, medium.
const IG = { rr: 21, spo2: 93, scale: 1, o2: false, sbp: 120, hr: 95, acvpu: 'A', temp: 37.5 };
const IG_RESULT = { score: 5, band: 'medium', parts: { rr: 2, spo2: 2, o2: 0, sbp: 0, hr: 1, acvpu: 0, temp: 0 } };
const CONFUSED_RESULT = { score: 3, band: 'low-medium', parts: { rr: 0, spo2: 0, o2: 0, sbp: 0, hr: 0, acvpu: 3, temp: 0 } };

// The runs of the real bin start together: each spends about a second loading tsx, so there are
// three (a missing key and an out-of-range value share one; in-process tests take each alone).
const { hr: _, ...noHr } = IG;
const runs = {
  oneShot: runBin(['news2', JSON.stringify(IG)]),
  lines: runBin(['news2', '-'], [JSON.stringify(IG), JSON.stringify({ ...NORMAL, sbp: 420 }), JSON.stringify({ ...NORMAL, acvpu: 'C' })].join('\n') + '\n'),
  bad: runBin(['news2', JSON.stringify({ ...noHr, temp: 47 })]),
};

t.test('bin: one observation set prints exactly one JSON line', async (t) => {
  const run = await runs.oneShot;
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stderr, '');
  const lines = run.stdout.split('\n');
  t.same(lines.slice(1), [''], 'one line, newline-terminated');
  t.same(JSON.parse(lines[0]!), IG_RESULT);
  t.same(Object.keys(JSON.parse(lines[0]!)), ['score', 'band', 'parts'], 'keys in the documented order');
});

t.test('bin: - scores each line in order; a bad line in the middle gets its error line and exit 2 at the end', async (t) => {
  const run = await runs.lines;
  t.equal(run.code, 2);
  const lines = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
  t.equal(lines.length, 3, 'one output line per input line');
  t.same(lines[0], IG_RESULT);
  t.same(lines[1], { error: 'sbp: 420 is out of range (0 to 300 mmHg)', line: 2 });
  t.same(lines[2], CONFUSED_RESULT, 'the line after a bad one is still scored');
  t.match(run.stderr, /1 of 3 lines could not be scored/);
});

t.test('bin: a missing key and an out-of-range value are errors naming their keys, on stderr, exit 2', async (t) => {
  const run = await runs.bad;
  t.equal(run.code, 2);
  t.equal(run.stdout, '', 'nothing on stdout');
  t.equal(run.stderr, 'hub news2: hr: missing; temp: 47 is out of range (25 to 45 °C)\n');
});

t.test('in-process: a missing key, an out-of-range value, each alone', async (t) => {
  for (const key of Object.keys(NORMAL)) {
    const { [key as keyof typeof NORMAL]: _, ...rest } = NORMAL;
    const run = capture();
    t.equal(await main(['news2', JSON.stringify(rest)], run.io), 2, `without ${key}: exit 2`);
    t.same(run.err, [`hub news2: ${key}: missing`]);
    t.same(run.out, []);
  }
  const rows: [key: string, value: unknown, message: string][] = [
    ['rr', 81, 'rr: 81 is out of range (0 to 80 /min)'],
    ['spo2', 101, 'spo2: 101 is out of range (0 to 100 %)'],
    ['sbp', -1, 'sbp: -1 is out of range (0 to 300 mmHg)'],
    ['hr', 301, 'hr: 301 is out of range (0 to 300 /min)'],
    ['temp', 24.9, 'temp: 24.9 is out of range (25 to 45 °C)'],
    ['scale', 3, 'scale: must be 1 or 2'],
    ['acvpu', 'X', 'acvpu: must be one of A, C, V, P, U'],
  ];
  for (const [key, value, message] of rows) {
    const run = capture();
    t.equal(await main(['news2', JSON.stringify({ ...NORMAL, [key]: value })], run.io), 2, `${key} ${String(value)}: exit 2`);
    t.same(run.err, [`hub news2: ${message}`]);
  }
});

t.test('in-process: hub --help lists the command, and news2 --help explains it', async (t) => {
  const help = capture();
  t.equal(await main(['--help'], help.io), 0);
  t.match(help.out.join('\n'), /^ {2}news2 '<json>'\|- +NEWS2 score/m);
  const own = capture();
  t.equal(await main(['news2', '--help'], own.io), 0);
  t.match(own.out.join('\n'), /rr \(\/min\), spo2 \(%\), scale \(1\|2\), o2/);
});

t.test('in-process: usage errors', async (t) => {
  const none = capture();
  t.equal(await main(['news2'], none.io), 2);
  t.match(none.err[0], /missing the observation set/);
  const two = capture();
  t.equal(await main(['news2', '{}', '{}'], two.io), 2);
  t.match(two.err[0], /takes one argument/);
  const notJson = capture();
  t.equal(await main(['news2', '{rr: 16}'], notJson.io), 2);
  t.match(notJson.err[0], /^hub news2: not JSON: /);
  const array = capture();
  t.equal(await main(['news2', '[1]'], array.io), 2);
  t.match(array.err[0], /expected a JSON object/);
  const several = capture();
  t.equal(await main(['news2', JSON.stringify({ ...NORMAL, scale: 2, o2: undefined, extra: 1 })], several.io), 2);
  t.same(several.err, ['hub news2: o2: missing; extra: unknown key'], 'every problem at once, each naming its key');
  t.same(several.out, []);
});

t.test('in-process: - keeps output line n for input line n (blank, CRLF, not JSON)', async (t) => {
  const run = capture();
  const input = Readable.from([`${JSON.stringify(IG)}\r\n\r\nnot json\n`, `${JSON.stringify({ ...NORMAL, acvpu: 'C' })}`]);
  t.equal(await news2Command(['-'], run.io, input), 2);
  const lines = run.out.map((line) => JSON.parse(line));
  t.same(lines[0], IG_RESULT, 'CRLF line scored');
  t.same(lines[1], { error: 'empty line', line: 2 });
  t.match(lines[2], { error: /^not JSON/, line: 3 });
  t.same(lines[3], CONFUSED_RESULT, 'last line without a newline scored');
  t.equal(lines.length, 4);
  const good = capture();
  t.equal(await news2Command(['-'], good.io, Readable.from([`${JSON.stringify(NORMAL)}\n${JSON.stringify(IG)}\n`])), 0, 'all good: exit 0');
  t.same(good.out.map((line) => JSON.parse(line).score), [0, 5]);
  t.same(good.err, []);
  const empty = capture();
  t.equal(await news2Command(['-'], empty.io, Readable.from([])), 0, 'no input, no output');
  t.same(empty.out, []);
});
