/** bench/budget.ts end to end at a tiny size: both write paths measured, a ratio, the thinning line. Keeps the benchmark from rotting. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/budget.ts', ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

t.test('a small run prints both append rates, their ratio and the thinning', async (t) => {
  const run = await bench(['--events', '2000', '--rounds', '1', '--backlog', '3000']);
  t.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  t.match(lines[0], /^bench:budget {2}2000 readings per round, 1 rounds each/);
  t.match(lines[1], /^append, plain LevelDB \(baseline\) +median=\d+\/s {2}p99=\d+\/s {2}min=\d+\/s/);
  t.match(lines[2], /^append, with byte counting +median=\d+\/s/);
  t.match(lines[3], /^ratio counted\/plain \(medians\) +\d+\.\d{3}$/);
  const thin = /^thinning 3000 readings +(\d+) readings\/s, \d+ ms, (\d+) summaries, bytes (\d+) → (\d+)/.exec(lines[4] ?? '');
  t.ok(thin, lines[4] ?? 'no thinning line');
  if (thin) {
    t.ok(Number(thin[2]) > 0, 'summaries written');
    t.ok(Number(thin[4]) < Number(thin[3]), 'fewer bytes after thinning');
  }
});

t.test('a bad flag is named, exit 2', async (t) => {
  const run = await bench(['--events', '10']);
  t.equal(run.code, 2);
  t.match(run.stderr, /--events/);
});
