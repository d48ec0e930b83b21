/**
 * bench/ingest.ts end to end at a tiny size: both servers in their own processes, the hub's
 * readings read back from LevelDB, figures alone on stdout. Keeps the benchmark from rotting.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/ingest.ts', ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

t.test('a small run measures both servers and finds every PUBACKed reading on disk', async (t) => {
  const run = await bench(['--devices', '3', '--seconds', '0.3', '--rounds', '1', '--inflight', '2']);
  t.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  const rounds = lines.filter((l) => l.startsWith('round 1 '));
  t.equal(rounds.length, 2, 'one round line per server');
  t.match(rounds[0], /^round 1 bare aedes +\d+ readings\/s/);
  const hub = /^round 1 hub \(LevelDB\) +(\d+) readings\/s.* on disk (\d+)\/(\d+) PUBACKed/.exec(rounds[1] ?? '');
  t.ok(hub, rounds[1] ?? 'no hub round');
  t.ok(Number(hub![1]) > 0, 'the hub acknowledged readings');
  t.equal(hub![2], hub![3], 'every PUBACKed reading is in the LevelDB outbox');
  t.ok(lines.some((l) => /^ratio hub\/aedes ×\d+\.\d\d \(goal ≥ 0\.5: (met|NOT met)\)$/.test(l)), run.stdout);
  t.notOk(lines.some((l) => l.startsWith('{')), 'no log records among the figures');
  t.match(run.stderr, /round 1\/1: bare aedes \.\.\./, 'progress goes to stderr');
});

t.test('--help prints the flags and exits 0', async (t) => {
  const run = await bench(['--help']);
  t.equal(run.code, 0);
  t.match(run.stdout, /--devices N[\s\S]*--seconds S[\s\S]*--rounds R[\s\S]*--inflight K/);
});

t.test('a bad or unknown flag exits 2 before starting anything', async (t) => {
  const bad = await bench(['--devices', '0']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--devices: /);
  t.equal(bad.stdout, '');
  const unknown = await bench(['--device', '3']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /Unknown option '--device'/);
});
