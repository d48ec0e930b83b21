/**
 * bench/memory.ts end to end at a tiny size: the hub through bin/hub.js and a bare aedes broker,
 * both with clients, their RSS on stdout and the goal lines. Keeps the benchmark from rotting.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/memory.ts', ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

t.test('a small run samples both servers under load and prints the goals', async (t) => {
  const run = await bench(['--devices', '5', '--minutes', '0.1', '--interval', '1', '--idle-seconds', '1', '--sample-seconds', '0.5']);
  t.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  t.match(lines[1], /^hub runs: (compiled JavaScript \(dist\/\)|TypeScript sources through tsx)/);
  for (const label of ['bare aedes', 'hub']) {
    const line = lines.find((l) => l.startsWith(`${label} `.padEnd(15)));
    const m = /idle +([\d.]+) MiB .* peak +([\d.]+) MiB .* \((\d+) readings acknowledged, 0 failed\)$/.exec(line ?? '');
    t.ok(m, line ?? `no line for ${label}: ${run.stdout}`);
    t.ok(Number(m![1]) > 10 && Number(m![2]) >= Number(m![1]) * 0.5, `${label}: plausible RSS figures`);
    t.ok(Number(m![3]) > 0, `${label}: the devices' readings were acknowledged`);
  }
  t.ok(lines.some((l) => /^goal hub peak ≤ 100 MiB: (met|NOT met)/.test(l)));
  t.ok(lines.some((l) => /^goal hub growth over 2nd half < 5%: (met|NOT met)/.test(l)));
  t.notOk(lines.some((l) => l.startsWith('{')), 'no log records among the figures');
});

t.test('a bad flag exits 2 before starting anything', async (t) => {
  const bad = await bench(['--minutes', '0']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--minutes: /);
  t.equal(bad.stdout, '');
});
