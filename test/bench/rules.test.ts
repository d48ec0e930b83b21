/**
 * bench/rules.ts end to end at a tiny size: both engines measured, the rules raise alarms from the
 * abnormal values, the falls reach the panel's SSE stream, figures alone on stdout. Keeps the
 * benchmark from rotting.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { socatAvailable } from '../../firmware-sim/pty.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/rules.ts', ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

t.test('a small run measures both engines and times every fall to the panel', { skip: socatAvailable() ? false : 'needs socat (Debian: apt-get install socat)' }, async (t) => {
  const run = await bench(['--residents', '20', '--rounds', '2', '--samples', '3']);
  t.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  t.match(lines[1], /^part 1: 1800 events a round \(20 residents × 5 devices × 10 reports\), rules: .*vital-thresholds.*fall/);
  const rules = lines.map((l) => /^round \d all rules +(\d+) events\/s +[\d.]+ µs\/event +alarms raised (\d+)$/.exec(l)).filter((m) => m !== null);
  const none = lines.filter((l) => /^round \d no rules +\d+ events\/s +[\d.]+ µs\/event$/.test(l));
  t.equal(rules.length, 2, 'one all-rules line per round');
  t.equal(none.length, 2, 'one no-rules line per round');
  t.ok(rules.every((m) => Number(m[1]) > 0), 'events went through the rules');
  t.ok(rules.every((m) => Number(m[2]) > 0 && m[2] === rules[0]![2]), 'the abnormal values raise the same alarms every round');
  t.ok(lines.some((l) => /^ratio no rules\/all rules ×\d+\.\d\d; the rules add -?[\d.]+ µs\/event$/.test(l)), run.stdout);
  const fall = /^fall → panel SSE +n= +(\d+) +p50=([\d.]+)ms .* p99=([\d.]+)ms +max=([\d.]+)ms$/.exec(lines.at(-1) ?? '');
  t.ok(fall, lines.at(-1) ?? 'no fall line');
  if (fall) {
    t.equal(fall[1], '3', 'every fall reached the panel');
    t.ok(Number(fall[2]) > 0 && Number(fall[2]) <= Number(fall[4]), 'p50 is a positive time no larger than the max');
  }
  t.notOk(lines.some((l) => l.startsWith('{')), 'no log records among the figures');
  t.match(run.stderr, /round 1\/2: all rules \.\.\./, 'progress goes to stderr');
});

t.test('--help prints the flags and exits 0', async (t) => {
  const run = await bench(['--help']);
  t.equal(run.code, 0);
  t.match(run.stdout, /--residents N[\s\S]*--rounds R[\s\S]*--samples S/);
});

t.test('a bad or unknown flag exits 2 before starting anything', async (t) => {
  const bad = await bench(['--residents', '0']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--residents: /);
  t.equal(bad.stdout, '');
  const unknown = await bench(['--resident', '3']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /Unknown option '--resident'/);
});
