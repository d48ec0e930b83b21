/**
 * npm run bench:codecs (bench/codecs.ts) at a tiny size, so the benchmark cannot rot: one row per
 * codec of the three registries, each with frames and a rate.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { SERIAL_CODECS } from '../../protocols/codecs.ts';
import { GATT_CODECS } from '../../protocols/gatt/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

t.test('a tiny run prints one row per serial, GATT and zigbee2mqtt codec', async (t) => {
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/codecs.ts'], { cwd: ROOT, timeout: 120_000, env: { ...process.env, BENCH_BYTES: '8192', BENCH_ROUNDS: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
  t.equal(run.code, 0, run.stderr);
  const rows = run.stdout.split('\n').map((l) => l.split(/\s{2,}/));
  const row = (kind: string, codec: string) => rows.find((r) => r[0] === kind && r[1]!.endsWith(codec));
  const expected: Array<[string, string]> = [...SERIAL_CODECS.map((c) => ['serial', c.id] as [string, string]), ...GATT_CODECS.map((c) => ['gatt', c.id] as [string, string]), ['z2m', 'stock payloads)']];
  for (const [kind, codec] of expected) {
    const r = row(kind, codec);
    t.ok(r && Number(r[2]!.replace(/,/g, '')) > 0 && Number(r[4]!.replace(/,/g, '')) > 0, `${kind} ${codec}: ${r?.join(' | ')}`);
  }
  t.match(run.stdout, /^kind +codec +frames +bytes\/frame +frames\/s +MiB\/s$/m);
});
