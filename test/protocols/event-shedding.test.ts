/** protocols/event.ts: the disk budget's reading-summary and outbox-shed events, and their seq runs, at their boundaries. */
import t from 'tap';
import { Event, OutboxShedPayload, ReadingSummaryPayload, SeqRuns, seqRunsCount } from '../../protocols/event.ts';

const envelope = { id: '0192f1a0-7c3e-7a12-8b34-0123456789ab', hubId: 'hub-1', seq: 50, hubTime: '2026-11-25T03:00:00.000Z' };
const summary = { metric: 'spo2', loinc: '59408-5', unit: '%', minute: '2026-11-25T02:00:00.000Z', count: 4, min: 90, max: 97, mean: 93.5, seqs: [[1, 2], [5, 6]] };
const shed = {
  action: 'dropped',
  events: 3,
  summaries: 0,
  byKind: { reading: 3, 'reading:spo2': 3 },
  from: '2026-11-25T01:00:00.000Z',
  to: '2026-11-25T01:00:02.000Z',
  seqs: [[7, 9]],
  bytesFreed: 900,
  budgetBytes: 65536,
};
const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

t.test('both kinds parse as events and round-trip', async (t) => {
  for (const event of [{ ...envelope, deviceId: 'ox1', kind: 'reading-summary', payload: summary }, { ...envelope, kind: 'outbox-shed', payload: shed }]) {
    const r = Event.safeParse(event);
    t.ok(r.success, event.kind);
    t.same(r.data, event);
  }
});

t.test('seq runs: ascending, apart, first ≤ last, 1..10,000 of them', async (t) => {
  const rows: Array<[unknown, boolean, string]> = [
    [[[1, 1]], true, 'one seq'],
    [[[1, 3], [5, 5]], true, 'two runs with a gap'],
    [[[1, 3], [4, 5]], false, 'adjacent runs are one run'],
    [[[5, 6], [1, 2]], false, 'descending'],
    [[[1, 3], [2, 5]], false, 'overlapping'],
    [[[3, 1]], false, 'first after last'],
    [[[0, 1]], false, 'seq 0'],
    [[], false, 'empty'],
    [[[1.5, 2]], false, 'not an integer'],
    [Array.from({ length: 10_000 }, (_, i) => [i * 2 + 1, i * 2 + 1]), true, '10,000 runs'],
    [Array.from({ length: 10_001 }, (_, i) => [i * 2 + 1, i * 2 + 1]), false, '10,001 runs'],
  ];
  for (const [runs, want, what] of rows) t.equal(ok(SeqRuns, runs), want, what);
  t.equal(seqRunsCount([[1, 3], [7, 7]]), 4);
});

t.test('a summary: min ≤ mean ≤ max, and its seqs name exactly count readings', async (t) => {
  t.ok(ok(ReadingSummaryPayload, summary));
  t.notOk(ok(ReadingSummaryPayload, { ...summary, mean: 89 }), 'mean below min');
  t.notOk(ok(ReadingSummaryPayload, { ...summary, mean: 98 }), 'mean above max');
  t.notOk(ok(ReadingSummaryPayload, { ...summary, count: 5 }), 'count and seqs disagree');
  t.notOk(ok(ReadingSummaryPayload, { ...summary, count: 0, seqs: [] }), 'nothing summarised');
  t.notOk(ok(ReadingSummaryPayload, { ...summary, metric: 'mood' }), 'unknown metric');
  t.notOk(ok(ReadingSummaryPayload, { ...summary, min: Infinity }), 'not finite');
  t.notOk(ok(ReadingSummaryPayload, { ...summary, extra: 1 }), 'unknown key');
});

t.test('a shedding report: action, counts, times and seqs', async (t) => {
  t.ok(ok(OutboxShedPayload, shed));
  t.ok(ok(OutboxShedPayload, { ...shed, action: 'thinned', summaries: 1 }));
  t.notOk(ok(OutboxShedPayload, { ...shed, action: 'lost' }), 'unknown action');
  t.notOk(ok(OutboxShedPayload, { ...shed, events: 0 }), 'nothing removed');
  t.notOk(ok(OutboxShedPayload, { ...shed, byKind: { reading: 0 } }), 'a kind with no events');
  t.notOk(ok(OutboxShedPayload, { ...shed, from: 'yesterday' }), 'not a time');
  t.notOk(ok(OutboxShedPayload, { ...shed, budgetBytes: 0 }), 'no budget');
  t.notOk(ok(OutboxShedPayload, { ...shed, seqs: [] }), 'no seqs');
});
