/**
 * The crash loop's verdict on hand-made ledgers and relay rows: each count moves for exactly the
 * fault it names, so a clean crash-loop run means something (docs/crash-testing.md#what-is-compared).
 */
import t from 'tap';
import { compareCrashLoop, summaryLine, type SentMessage, type StoredEvent } from './crashloop-compare.ts';

const acked = (deviceId: string, order: number): SentMessage => ({ deviceId, order, acknowledged: true });
const unacked = (deviceId: string, order: number): SentMessage => ({ deviceId, order, acknowledged: false });
const row = (seq: number, deviceId: string | null, order: number | null, kind = 'call-point'): StoredEvent => ({ seq, kind, deviceId, order });

t.test('everything acknowledged arrived once and in order: all counts zero', async (t) => {
  const v = compareCrashLoop([acked('b', 1), acked('b', 2), unacked('b', 3), acked('t', 1000)], [row(1, 'b', 1), row(2, 't', 1000, 'reading'), row(3, null, null, 'alarm'), row(4, 'b', 2)]);
  t.match(v, { acknowledged: 3, stored: 3, lost: 0, duplicates: 0, outOfOrder: 0, seqGaps: 0, unknown: 0, storedUnacknowledged: 0 });
  t.equal(summaryLine(50, v), 'cycles=50 acknowledged=3 stored=3 lost=0 duplicates=0 out_of_order=0');
});

t.test('an acknowledged message missing at the relay is lost; an unacknowledged one is not', async (t) => {
  const v = compareCrashLoop([acked('b', 1), acked('b', 2), unacked('b', 3)], [row(1, 'b', 1)]);
  t.equal(v.lost, 1);
  t.same(v.examples.lost, ['b#2']);
});

t.test('a repeated press counts acknowledged when either copy was', async (t) => {
  const v = compareCrashLoop([unacked('b', 1), acked('b', 1)], []);
  t.equal(v.acknowledged, 1);
  t.equal(v.lost, 1);
});

t.test('one device message stored under two seqs is a duplicate', async (t) => {
  const v = compareCrashLoop([acked('b', 1)], [row(1, 'b', 1), row(2, 'b', 1)]);
  t.equal(v.duplicates, 1);
  t.equal(v.stored, 1);
  t.same(v.examples.duplicates, ['b#1 at seq 1 and 2']);
});

t.test("a device's later message at a lower seq is out of order; other devices do not interfere", async (t) => {
  const v = compareCrashLoop([acked('b', 1), acked('b', 2), acked('c', 5)], [row(1, 'b', 2), row(2, 'c', 5), row(3, 'b', 1)]);
  t.equal(v.outOfOrder, 1);
  t.equal(v.duplicates, 0);
});

t.test('a duplicate is not also counted out of order', async (t) => {
  const v = compareCrashLoop([acked('b', 1), acked('b', 2)], [row(1, 'b', 1), row(2, 'b', 2), row(3, 'b', 1)]);
  t.match(v, { duplicates: 1, outOfOrder: 0 });
});

t.test('missing seqs between 1 and the highest are gaps; rows nobody sent are unknown', async (t) => {
  const v = compareCrashLoop([acked('b', 1)], [row(2, 'b', 1), row(5, 'x', 9)]);
  t.equal(v.seqGaps, 3, 'seq 1, 3 and 4');
  t.equal(v.unknown, 1);
});
