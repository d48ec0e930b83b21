/**
 * hub/store/outbox.ts on its own: what peek returns and ackThrough deletes,
 * both bounded by the forwardable seq, over a store filled directly by key.
 */
import t from 'tap';
import { META_ACKED, outboxKey } from '../../../hub/store/keys.ts';
import type { KvOp, KvStore } from '../../../hub/store/kv-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { Outbox } from '../../../hub/store/outbox.ts';

/** A memory store with events 1..n under their outbox keys (value: { seq }) and a batch spy. */
async function filled(n: number, extra: KvOp[] = []) {
  const inner = createMemoryStore();
  await inner.open();
  await inner.batch([...Array.from({ length: n }, (_, i) => ({ type: 'put' as const, key: outboxKey(i + 1), value: { seq: i + 1 } })), ...extra], { sync: false });
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

t.test('start reads the acknowledged mark; 0 when there is none', async (t) => {
  const none = await filled(0);
  const a = new Outbox(none.store);
  await a.start();
  t.equal(a.ackedSeq, 0);
  const some = await filled(5, [{ type: 'put', key: META_ACKED, value: 3 }]);
  const b = new Outbox(some.store);
  await b.start();
  t.equal(b.ackedSeq, 3);
  t.same(seqs(await b.peek(10)), [4, 5], 'peek starts after the mark');
});

t.test('peek: oldest first, limited, bounded by the forwardable seq', async (t) => {
  const { store } = await filled(6, [{ type: 'put', key: 'zz:other', value: { seq: 99 } }]);
  let through = Infinity;
  const o = new Outbox(store, () => through);
  await o.start();
  t.same(seqs(await o.peek(100)), [1, 2, 3, 4, 5, 6], 'unbounded: every outbox event, nothing of other families');
  t.same(seqs(await o.peek(2)), [1, 2], 'limit');
  through = 4;
  t.same(seqs(await o.peek(100)), [1, 2, 3, 4], 'the bound itself is included');
  through = 0;
  t.same(await o.peek(100), [], 'nothing forwardable');
  through = 4;
  await o.ackThrough(4);
  t.same(await o.peek(100), [], 'bound equal to the ack: nothing');
  through = 5;
  t.same(seqs(await o.peek(100)), [5]);
});

t.test('ackThrough: deletes exactly the acknowledged range, never past the bound', async (t) => {
  const { store, batches } = await filled(10);
  let through = 6;
  const o = new Outbox(store, () => through);
  await o.start();
  t.equal(await o.ackThrough(3), 3, 'three deleted');
  t.equal(o.ackedSeq, 3);
  t.same(batches[0], {
    ops: [
      { type: 'del', key: outboxKey(1) },
      { type: 'del', key: outboxKey(2) },
      { type: 'del', key: outboxKey(3) },
      { type: 'put', key: META_ACKED, value: 3 },
    ],
    sync: false,
  }, 'one unsynced batch: the deletes and the mark');
  t.equal(await o.ackThrough(9), 3, 'an ack past the bound stops at the bound');
  t.equal(o.ackedSeq, 6);
  t.equal(await store.get(META_ACKED), 6);
  t.equal(await store.get(outboxKey(6)), undefined);
  t.same(await store.get(outboxKey(7)), { seq: 7 }, 'seq 7 is beyond the bound and kept');
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
