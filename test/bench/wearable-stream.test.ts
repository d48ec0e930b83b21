/** bench:wearable at a tiny size (2 wearables, 1 round), so it cannot rot (docs/benchmarks.md). */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { requirement } from '../support/requirements.ts';

const BENCH = new URL('../../bench/wearable-stream.ts', import.meta.url).pathname;
const SISFALL = new URL('../../../shared/data/falls/sisfall', import.meta.url).pathname;

t.test('prints its figures, and decides each wearable\'s fall recording once', { skip: requirement('the SisFall sample (../shared/data/falls/sisfall)', existsSync(SISFALL), 'the shared test data folder next to the repository') }, async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BENCH, '--wearables', '2', '--rounds', '1'], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /falls decided per round: 2 \(one per wearable/);
  t.match(r.stdout, /convert \+ detect +median [\d,]+ samples\/s/);
  t.match(r.stdout, /ratio baseline \/ convert \+ detect: ×[\d.]+/);
  t.match(r.stdout, /per batch of 100: p50 [\d.]+ µs, p99 [\d.]+ µs/);
});

t.test('bad flags exit 2', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BENCH, '--wearables', 'many'], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 2);
  t.match(r.stderr, /--wearables/);
});
