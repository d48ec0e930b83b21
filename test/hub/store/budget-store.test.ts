/**
 * hub/store/budget-store.ts: the running byte count of the outbox matches a recount of what is
 * stored, through writes, acknowledgements, concurrent deletes, cache misses and restarts.
 */
import t from 'tap';
import { BudgetStore, entryBytes, META_OUTBOX_BYTES } from '../../../hub/store/budget-store.ts';
import { laneKey, legacyOutboxKey, laneOf, OUTBOX_PREFIX, prefixEnd, type Lane } from '../../../hub/store/keys.ts';
import type { KvStore } from '../../../hub/store/kv-store.ts';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';

const event = (seq: number, kind: 'reading' | 'alarm' = 'reading', pad = '') => ({ seq, kind, hubTime: '2026-11-25T01:00:00.000Z', payload: { value: seq, pad } });
const put = (seq: number, kind: 'reading' | 'alarm' = 'reading', pad = '') => {
  const value = event(seq, kind, pad);
  return { type: 'put' as const, key: laneKey(laneOf(value), seq), value };
};
const del = (seq: number, lane: Lane = 'telemetry') => ({ type: 'del' as const, key: laneKey(lane, seq) });

/** What the outbox holds, counted from scratch. */
async function recount(store: KvStore): Promise<Record<Lane, number>> {
  const lanes = { critical: 0, telemetry: 0 };
  for (const [key, value] of await store.entries<{ kind: string }>({ gte: OUTBOX_PREFIX, lt: prefixEnd(OUTBOX_PREFIX) })) {
    lanes[laneOf(value)] += entryBytes(key, value);
  }
  return lanes;
}

t.test('puts and deletes keep the count per lane equal to a recount; other keys do not count', async (t) => {
  const grown: number[] = [];
  const store: BudgetStore = new BudgetStore(createMemoryStore(), { onGrow: () => grown.push(store.bytes().total) });
  await store.open();
  t.same(store.bytes(), { total: 0, lanes: { critical: 0, telemetry: 0 } });
  await store.batch([put(1), put(2, 'alarm'), put(3, 'reading', 'x'.repeat(100)), { type: 'put', key: 'alarm:a', value: { big: 'y'.repeat(500) } }], { sync: false });
  t.same(store.bytes().lanes, await recount(store));
  t.ok(store.bytes().lanes.critical > 0 && store.bytes().lanes.telemetry > 0);
  t.same(grown, [store.bytes().total], 'told once that the outbox grew');
  await store.batch([del(1), del(2, 'critical'), del(99)], { sync: false });
  t.same(store.bytes().lanes, await recount(store), 'a deleted key that was never stored counts nothing');
  await store.batch([del(1)], { sync: false });
  t.same(store.bytes().lanes, await recount(store), 'nor does one deleted before');
  t.equal(grown.length, 1, 'deletes do not call onGrow');
  await store.batch([del(3)], { sync: false });
  t.same(store.bytes(), { total: 0, lanes: { critical: 0, telemetry: 0 } });
});

t.test('sizes of deleted events not in the cache are read from the store', async (t) => {
  const store = new BudgetStore(createMemoryStore(), { sizeCacheEntries: 1 });
  await store.open();
  await store.batch(Array.from({ length: 50 }, (_, i) => put(i + 1, 'reading', 'p'.repeat(i))), { sync: false });
  // A run (one range read) and scattered keys (gets).
  await store.batch(Array.from({ length: 20 }, (_, i) => del(i + 1)), { sync: false });
  t.same(store.bytes().lanes, await recount(store), 'after a run of deletes');
  await store.batch([del(25), del(49)], { sync: false });
  t.same(store.bytes().lanes, await recount(store), 'after scattered deletes');
  // Close together: one range read that also returns the neighbours in between, which must not count.
  await store.batch([del(30), del(32), del(34)], { sync: false });
  t.same(store.bytes().lanes, await recount(store), 'after every other key of a short run');
});

t.test('two batches deleting the same event at once count it once', async (t) => {
  const inner = createMemoryStore();
  const store = new BudgetStore(inner);
  await store.open();
  await store.batch([put(1), put(2)], { sync: false });
  // The forwarder's acknowledgement and a shedding step both delete seq 1 while each is in flight.
  await Promise.all([store.batch([del(1)], { sync: false }), store.batch([del(1), del(2)], { sync: false })]);
  t.same(store.bytes(), { total: 0, lanes: { critical: 0, telemetry: 0 } });
});

t.test('an overwrite of an entry read lately replaces the size it had', async (t) => {
  // The event log never writes an outbox key twice; a put of a key not read lately counts as new.
  const store = new BudgetStore(createMemoryStore());
  await store.open();
  await store.batch([put(1, 'reading', 'a'.repeat(300))], { sync: false });
  await store.entries({ gte: OUTBOX_PREFIX, lt: prefixEnd(OUTBOX_PREFIX) });
  await store.batch([put(1, 'reading', 'b')], { sync: false });
  t.same(store.bytes().lanes, await recount(store));
});

t.test('a failed batch changes nothing', async (t) => {
  const inner = createMemoryStore();
  let fail = false;
  const flaky: KvStore = { ...inner, batch: async (ops, o) => (fail ? Promise.reject(new Error('ENOSPC')) : inner.batch(ops, o)) };
  const store = new BudgetStore(flaky);
  await store.open();
  await store.batch([put(1)], { sync: false });
  const before = store.bytes();
  fail = true;
  await t.rejects(store.batch([put(2), del(1)], { sync: false }), /ENOSPC/);
  t.same(store.bytes(), before);
  fail = false;
  await store.batch([del(1)], { sync: false });
  t.same(store.bytes().total, 0, 'the failed delete is not remembered as in flight');
});

t.test('restart on LevelDB: the checkpoint of a clean stop, a scan after a crash', async (t) => {
  const dir = t.testdir();
  let store = new BudgetStore(createLevelStore(dir));
  await store.open();
  await store.batch([put(1), put(2, 'alarm'), put(3, 'reading', 'z'.repeat(1000)), { type: 'put', key: legacyOutboxKey(4), value: event(4, 'alarm') }], { sync: true });
  const counted = store.bytes();
  await store.close();

  store = new BudgetStore(createLevelStore(dir));
  await store.open();
  t.equal(store.restoredFrom, 'checkpoint');
  t.same(store.bytes(), counted, 'restored from the clean stop');
  t.equal(await store.get(META_OUTBOX_BYTES), undefined, 'the checkpoint is gone while running');
  await store.batch([put(5)], { sync: true });
  const afterWrite = store.bytes();
  // A crash: the LevelDB files are closed without the checkpoint (close the inner store directly).
  await (store as unknown as { inner: KvStore }).inner.close();

  store = new BudgetStore(createLevelStore(dir));
  await store.open();
  t.equal(store.restoredFrom, 'scan', 'no checkpoint after a crash: counted from the store');
  t.same(store.bytes(), afterWrite, 'the scan finds what the running count said, the pre-lane key by its kind');
  await store.close();
});

t.test('a checkpoint that is not one is ignored and the outbox scanned', async (t) => {
  const inner = createMemoryStore();
  await inner.open();
  await inner.batch([put(1), { type: 'put', key: META_OUTBOX_BYTES, value: { lanes: { critical: -5, telemetry: 'x' } } }], { sync: false });
  await inner.close();
  const store = new BudgetStore(inner);
  await store.open();
  t.equal(store.restoredFrom, 'scan');
  t.same(store.bytes().lanes, await recount(store));
});

t.test('close still closes the store when the checkpoint cannot be written, and writes none when never opened', async (t) => {
  const inner = createMemoryStore();
  let closed = 0;
  let full = false;
  const puts: string[] = [];
  const disk: KvStore = {
    ...inner,
    batch: async (ops, o) => {
      if (full) throw new Error('ENOSPC');
      for (const op of ops) if (op.type === 'put') puts.push(op.key);
      return inner.batch(ops, o);
    },
    close: async () => {
      closed++;
      return inner.close();
    },
  };
  const never = new BudgetStore(disk);
  await never.close();
  t.equal(closed, 1);
  t.same(puts, [], 'no checkpoint for a store that was never opened');
  const store = new BudgetStore(disk);
  await store.open();
  full = true;
  await store.close();
  t.equal(closed, 2, 'closed despite the failed checkpoint');
});
