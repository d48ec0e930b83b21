/**
 * hub/store/outbox.ts on its own: what peek returns and the acks delete, per
 * lane and merged, bounded by the forwardable seq, over a store filled
 * directly by key; the upgrade of a pre-lane store.
 */
import t from 'tap';
import { laneKey, legacyOutboxKey, META_ACKED, type Lane } from '../../../hub/store/keys.ts';
import type { KvOp, KvStore } from '../../../hub/store/kv-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { Outbox } from '../../../hub/store/outbox.ts';
import type { Event } from '../../../protocols/event.ts';

/** Seqs in the critical lane in the tests below; every other seq is telemetry. */
const CRITICAL = new Set([3, 7]);
const laneFor = (seq: number): Lane => (CRITICAL.has(seq) ? 'critical' : 'telemetry');
const fake = (seq: number) => ({ seq, kind: CRITICAL.has(seq) ? 'alarm' : 'reading', hubTime: `2026-11-25T00:00:${String(seq).padStart(2, '0')}.000Z` });

/** A memory store with events 1..n in their lanes and a batch spy. */
async function filled(n: number, extra: KvOp[] = [], keyOf: (seq: number) => string = (seq) => laneKey(laneFor(seq), seq)) {
  const inner = createMemoryStore();
  await inner.open();
  await inner.batch([...Array.from({ length: n }, (_, i) => ({ type: 'put' as const, key: keyOf(i + 1), value: fake(i + 1) })), ...extra], { sync: false });
  const batches: Array<{ ops: KvOp[]; sync: boolean }> = [];
  const store: KvStore = {
    ...inner,
    batch: async (ops, o) => {
      batches.push({ ops, sync: o.sync });
      return inner.batch(ops, o);
    },
  };
  return { store, batches };
}
const seqs = (events: unknown[]) => events.map((e) => (e as { seq: number }).seq);
const asEvents = (list: number[]) => list.map(fake) as unknown as Event[];

t.test('start reads the acknowledged mark; 0 when there is none', async (t) => {
  const none = await filled(0);
  const a = new Outbox(none.store);
  await a.start();
  t.equal(a.ackedSeq, 0);
  const some = await filled(5, [{ type: 'put', key: META_ACKED, value: 2 }], (seq) => (seq <= 2 ? `gone:${seq}` : laneKey(laneFor(seq), seq)));
  const b = new Outbox(some.store);
  await b.start();
  t.equal(b.ackedSeq, 2);
  t.same(seqs(await b.peek(10)), [3, 4, 5], 'peek starts after the mark');
});

t.test('peek: oldest first over both lanes, limited, bounded by the forwardable seq', async (t) => {
  const { store } = await filled(8, [{ type: 'put', key: 'zz:other', value: { seq: 99 } }]);
  let through = Infinity;
  const o = new Outbox(store, () => through);
  await o.start();
  t.same(seqs(await o.peek(100)), [1, 2, 3, 4, 5, 6, 7, 8], 'unbounded: every outbox event in seq order, nothing of other families');
  t.same(seqs(await o.peek(3)), [1, 2, 3], 'limit');
  t.same(seqs(await o.peekLane('critical', 100)), [3, 7], 'one lane');
  t.same(seqs(await o.peekLane('telemetry', 2)), [1, 2]);
  through = 4;
  t.same(seqs(await o.peek(100)), [1, 2, 3, 4], 'the bound itself is included');
  t.same(seqs(await o.peekLane('critical', 100)), [3], 'per lane too');
  through = 0;
  t.same(await o.peek(100), [], 'nothing forwardable');
});

t.test('ackStored deletes exactly the sent events inside the ranges, never past the bound', async (t) => {
  const { store, batches } = await filled(10);
  let through = 7;
  const o = new Outbox(store, () => through);
  await o.start();
  const critical = await o.peekLane('critical', 10);
  t.same(seqs(critical), [3, 7]);
  t.equal(await o.ackStored(critical, [[3, 3], [7, 7]]), 2, 'the critical lane ahead of telemetry');
  t.same(batches[0], { ops: [{ type: 'del', key: laneKey('critical', 3) }, { type: 'del', key: laneKey('critical', 7) }], sync: false }, 'unsynced deletes of exactly those keys');
  t.equal(o.ackedSeq, 0, 'the contiguous mark waits for seq 1');
  t.same(seqs(await o.peek(100)), [1, 2, 4, 5, 6]);

  const telemetry = await o.peekLane('telemetry', 5);
  t.same(seqs(telemetry), [1, 2, 4, 5, 6]);
  t.equal(await o.ackStored(telemetry, [[1, 2], [5, 9]]), 4, 'seq 4 is outside every range and kept');
  t.same(seqs(await o.peek(100)), [4], 'what the relay did not say it stored is sent again');
  t.equal(o.ackedSeq, 3, 'everything up to 3 is gone');
  t.equal(await o.ackStored(asEvents([8]), [[8, 8]]), 0, 'an event past the bound is not deleted');
  t.same(await store.get(laneKey('telemetry', 8)), fake(8));
  t.equal(await o.ackStored(asEvents([4]), []), 0, 'no ranges, nothing deleted');
  t.equal(await o.ackStored(asEvents([4]), [[4, 4]]), 1);
  t.equal(o.ackedSeq, 7, 'the mark runs to the next waiting event');
  through = Infinity;
  t.equal(await o.ackStored(asEvents([8, 9, 10]), [[1, 10]]), 3);
  t.equal(o.ackedSeq, 10, 'all lanes empty: through the highest deleted');
  t.equal(await store.get(META_ACKED), 10, 'stored');
  const reopened = new Outbox(store);
  await reopened.start();
  t.equal(reopened.ackedSeq, 10, 'the mark survives a restart');
  t.same(reopened.stats(), { lanes: { critical: { depth: 0, oldestHubTime: null }, telemetry: { depth: 0, oldestHubTime: null } } });
});

t.test('ackThrough (a relay without ranges): every lane up to the ack, never past the bound', async (t) => {
  const { store, batches } = await filled(10);
  let through = 6;
  const o = new Outbox(store, () => through);
  await o.start();
  t.equal(await o.ackThrough(3), 3, 'three deleted, from both lanes');
  t.equal(o.ackedSeq, 3);
  t.same(
    batches[0]!.ops.map((op) => op.key).sort(),
    [laneKey('critical', 3), laneKey('telemetry', 1), laneKey('telemetry', 2)].sort(),
  );
  t.equal(await o.ackThrough(9), 3, 'an ack past the bound stops at the bound');
  t.equal(o.ackedSeq, 6);
  t.equal(await store.get(META_ACKED), 6);
  t.equal(await store.get(laneKey('telemetry', 6)), undefined);
  t.same(await store.get(laneKey('critical', 7)), fake(7), 'seq 7 is beyond the bound and kept');
  const n = batches.length;
  t.equal(await o.ackThrough(6), 0, 'the same ack again deletes nothing');
  t.equal(await o.ackThrough(2), 0, 'an older ack deletes nothing');
  t.equal(batches.length, n, 'and writes nothing');
  through = Infinity;
  t.equal(await o.ackThrough(7), 1);
  t.same(seqs(await o.peek(10)), [8, 9, 10]);
  const reopened = new Outbox(store);
  await reopened.start();
  t.equal(reopened.ackedSeq, 7, 'the mark survives a restart');
});

t.test('stats: depth and oldest hub time per lane, kept in memory by writes and deletes', async (t) => {
  const { store } = await filled(5);
  const o = new Outbox(store);
  await o.start();
  t.same(o.stats(), {
    lanes: { critical: { depth: 1, oldestHubTime: fake(3).hubTime }, telemetry: { depth: 4, oldestHubTime: fake(1).hubTime } },
  }, 'counted at start');
  o.written(asEvents([6, 7]));
  t.same(o.stats().lanes.critical, { depth: 2, oldestHubTime: fake(3).hubTime }, 'a write adds to its lane');
  t.equal(o.stats().lanes.telemetry.depth, 5);
  await o.ackStored(asEvents([3, 7]), [[3, 7]]);
  t.same(o.stats().lanes.critical, { depth: 0, oldestHubTime: null }, 'the lane emptied');
  await o.ackStored(asEvents([1, 2]), [[1, 2]]);
  t.same(o.stats().lanes.telemetry, { depth: 3, oldestHubTime: fake(4).hubTime }, 'the next oldest');
  o.written(asEvents([7]).map((e) => ({ ...e, seq: 11 })));
  t.same(o.stats().lanes.critical, { depth: 1, oldestHubTime: fake(7).hubTime }, 'an empty lane takes the new event as its oldest');
  await store.batch([{ type: 'del', key: laneKey('telemetry', 4) }], { sync: false });
  await o.removed('telemetry', 1);
  t.same(o.stats().lanes.telemetry, { depth: 2, oldestHubTime: fake(5).hubTime }, 'removed() by someone else (shedding)');
});

t.test('upgrade: a pre-lane outbox moves into the lanes at start, each event in exactly one place', async (t) => {
  const { store, batches } = await filled(2500, [{ type: 'put', key: META_ACKED, value: 0 }], legacyOutboxKey);
  const o = new Outbox(store);
  await o.start();
  t.equal(batches.length, 3, 'moved in chunks of 1000');
  t.same(batches.map((b) => b.sync), [false, false, true], 'the last chunk syncs the whole move');
  t.same(await store.entries({ gte: legacyOutboxKey(0), lt: 'outbox::' }), [], 'no legacy key left');
  t.same(await store.get(laneKey('critical', 3)), fake(3), 'an alarm in the critical lane');
  t.same(await store.get(laneKey('telemetry', 2500)), fake(2500), 'a reading in the telemetry lane');
  t.same(seqs(await o.peekLane('critical', 10)), [3, 7]);
  t.equal(o.stats().lanes.telemetry.depth, 2498);
  t.same(seqs(await o.peek(4)), [1, 2, 3, 4], 'and the merged order is the old order');
  const again = new Outbox(store);
  await again.start();
  t.equal(batches.length, 3, 'a second start has nothing to move');
});

t.test('whether the relay answers ranges is kept across restarts', async (t) => {
  const { store, batches } = await filled(0);
  const o = new Outbox(store);
  await o.start();
  t.equal(o.relayAnswersRanges, null);
  await o.rememberRelayRanges(true);
  await o.rememberRelayRanges(true);
  t.equal(batches.length, 1, 'written only when it changes');
  const again = new Outbox(store);
  await again.start();
  t.equal(again.relayAnswersRanges, true);
});
