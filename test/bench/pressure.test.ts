/**
 * bench/pressure.ts end to end at a tiny size: both modes drain every hub, figures on stdout in the
 * documented shape (docs/benchmarks.md). Keeps the benchmark from rotting.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/pressure.ts', ...args], { cwd: ROOT, timeout: 180_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

t.test('a small run drains every hub with admission off and on, and prints the ratios', async (t) => {
  const run = await bench(['--hubs', '3', '--events', '30', '--batch', '10']);
  t.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  t.match(lines[0], /^carehub pressure benchmark: 3 hubs × 30 readings in batches of 10, all at once, into one relay \((PostgreSQL|PGlite), own process\)$/);
  for (const mode of ['admission off \\(baseline\\)', 'admission on \\(defaults\\)']) {
    t.ok(lines.some((l) => new RegExp(`^${mode} +drained in [\\d.]+ s +\\d+ events/s +answers 200×9( \\d+×\\d+)* +network=0 timeout=0$`).test(l)), `${mode}: 9 batches stored`);
    t.ok(lines.some((l) => new RegExp(`^${mode}: stored batch latency +n= +9 +p50=[\\d.]+ms`).test(l)), `${mode}: latency line`);
  }
  t.match(lines.at(-1), /^ratio on\/off: events\/s ×\d+\.\d\d +stored-batch p50 ×\d+\.\d\d +p99 ×\d+\.\d\d$/);
});

t.test('a bad flag is named, exit status 2', async (t) => {
  const run = await bench(['--hubs', 'many']);
  t.equal(run.code, 2);
  t.match(run.stderr, /^--hubs: /m);
});
