import t from 'tap';
import { median, roundLine, storageProblems, summaryLines, type RoundResult } from '../../bench/ingest-report.ts';

/** A round of `acked` PUBACKs in a 1 s window, each with the given latency. */
function round(server: RoundResult['server'], roundNo: number, acked: number, extra: Partial<RoundResult> = {}): RoundResult {
  return {
    server,
    round: roundNo,
    load: { ackedInWindow: acked, windowMs: 1000, ackedTotal: acked, failed: 0, unacked: 0, latenciesMs: Array.from({ length: 100 }, (_, i) => i + 1) },
    serverCpuMs: acked / 10,
    clientCpuMs: acked / 20,
    stored: server === 'hub' ? { metric: acked, logSeq: acked, onDisk: acked } : null,
    ...extra,
  };
}

t.test('a hub round whose PUBACKed readings are all on disk and counted has no problem', async (t) => {
  t.same(storageProblems(round('hub', 1, 500)), []);
  t.same(storageProblems(round('aedes', 1, 500)), [], 'the bare broker stores nothing and is not checked');
});

t.test('a PUBACKed reading missing from the LevelDB outbox is a durability problem', async (t) => {
  const r = round('hub', 2, 500, { stored: { metric: 500, logSeq: 500, onDisk: 499 } });
  t.same(storageProblems(r), ['1 PUBACKed readings are missing from the LevelDB outbox']);
  const verdict = summaryLines([round('aedes', 2, 1000), r]);
  t.equal(verdict.durable, false);
  t.match(verdict.lines.at(-1), /^DURABILITY: round 2: 1 PUBACKed readings are missing/);
});

t.test('a PUBACK the hub never counted as an input is a problem too', async (t) => {
  const r = round('hub', 1, 500, { stored: { metric: 498, logSeq: 500, onDisk: 500 } });
  t.same(storageProblems(r), ['inputs_total counted 498, fewer than the 500 PUBACKs']);
});

t.test('PUBACKs after the window (the drain) count for the storage check, not for the rate', async (t) => {
  const r = round('hub', 1, 500, { load: { ...round('hub', 1, 500).load, ackedTotal: 620 }, stored: { metric: 620, logSeq: 620, onDisk: 600 } });
  t.same(storageProblems(r), ['20 PUBACKed readings are missing from the LevelDB outbox']);
  t.match(roundLine(r), /   500 readings\/s/);
});

t.test('the ratio is of the medians over rounds, and is judged against the 0.5 goal', async (t) => {
  const met = summaryLines([round('aedes', 1, 1000), round('hub', 1, 900), round('hub', 2, 500), round('aedes', 2, 900), round('aedes', 3, 5000), round('hub', 3, 450)]);
  // medians: aedes 1000 (of 900, 1000, 5000), hub 500 (of 450, 500, 900)
  t.equal(met.ratio, 0.5);
  t.ok(met.lines.includes('ratio hub/aedes ×0.50 (goal ≥ 0.5: met)'), met.lines.join('\n'));
  t.equal(met.durable, true);
  const missed = summaryLines([round('aedes', 1, 1000), round('hub', 1, 499)]);
  t.ok(missed.lines.includes('ratio hub/aedes ×0.50 (goal ≥ 0.5: NOT met)'), 'rounded to ×0.50 but below the goal');
});

t.test('latency percentiles are over every round of a server together', async (t) => {
  const fast = round('aedes', 1, 100, { load: { ...round('aedes', 1, 100).load, latenciesMs: Array(100).fill(1) } });
  const slow = round('aedes', 2, 100, { load: { ...round('aedes', 2, 100).load, latenciesMs: Array(99).fill(10).concat([50]) } });
  const line = summaryLines([fast, slow, round('hub', 1, 100)]).lines.find((l) => l.startsWith('publish→PUBACK bare aedes'));
  // pooled: rank 100 of 200 is the fast round's last sample; rank 190 and 198 are in the slow round
  t.match(line, /n=  200  p50=1\.00ms  p95=10\.00ms  p99=10\.00ms  max=50\.00ms/);
});

t.test('a round line names failures and unacknowledged publishes only when there are some', async (t) => {
  t.notMatch(roundLine(round('aedes', 1, 100)), /failed=/);
  const r = round('aedes', 1, 100, { load: { ...round('aedes', 1, 100).load, failed: 3, unacked: 2 } });
  t.match(roundLine(r), /failed=3 unacked=2/);
  t.match(roundLine(round('hub', 1, 100)), /on disk 100\/100 PUBACKed \(log seq 100\)/);
});

t.test('the median of an even number of rounds is the mean of the middle two', async (t) => {
  t.equal(median([4000, 8000]), 6000);
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([10, 1, 7, 3]), 5);
});
