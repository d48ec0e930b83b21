/**
 * hub/store/write-coalescer.ts: writes handed in while a batch is being written share the next
 * batch, in order; each caller hears of its own batch; a failed batch fails only its writers.
 */
import t from 'tap';
import type { KvOp, KvStore } from '../../../hub/store/kv-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { WriteCoalescer } from '../../../hub/store/write-coalescer.ts';

const put = (key: string, value: unknown): KvOp => ({ type: 'put', key, value });

/** A store whose batches wait until released, so the test decides when a batch is "on disk". */
async function gated() {
  const inner = createMemoryStore();
  await inner.open();
  const batches: Array<{ ops: KvOp[]; sync: boolean }> = [];
  const releases: Array<(err?: Error) => void> = [];
  const store: KvStore = {
    ...inner,
    batch: (ops, o) => {
      batches.push({ ops: [...ops], sync: o.sync });
      return new Promise<void>((resolve, reject) => {
        releases.push((err) => (err ? reject(err) : inner.batch(ops, o).then(resolve, reject)));
      });
    },
  };
  /** Waits until `n` batches were started (the coalescer starts the next one a few microtasks after a release). */
  const started = async (n: number) => {
    for (let i = 0; i < 100 && batches.length < n; i++) await new Promise((r) => setImmediate(r));
    if (batches.length < n) throw new Error(`only ${batches.length} batches started, expected ${n}`);
  };
  return { inner, store, batches, releases, started };
}

t.test('writes that arrive while a batch is on its way go together in the next one, the last op of a key only', async (t) => {
  const { inner, store, batches, releases, started } = await gated();
  const writer = new WriteCoalescer(store);
  const settled: string[] = [];
  const first = writer.write([put('a', 1)]).then(() => settled.push('first'));
  await started(1);
  const second = writer.write([put('b', 1), put('a', 2)]).then(() => settled.push('second'));
  const third = writer.write([put('a', 3)]).then(() => settled.push('third'));
  t.equal(batches.length, 1, 'nothing more is written while the first batch is out');
  releases[0]!();
  await first;
  await started(2);
  t.same(settled, ['first'], 'the later writers wait for their own batch');
  t.same(
    batches[1]!.ops.map((op) => [op.key, op.type === 'put' ? op.value : null]),
    [
      ['b', 1],
      ['a', 3],
    ],
    'both later writes in one batch, with only the last put of a key',
  );
  releases[1]!();
  await Promise.all([second, third]);
  t.same(settled, ['first', 'second', 'third']);
  t.equal(await inner.get('a'), 3, 'the last put of a key wins');
  const del = writer.write([put('c', 1), { type: 'del', key: 'c' }]);
  await started(3);
  t.same(batches[2]!.ops, [{ type: 'del', key: 'c' }], 'a delete after a put of the same key is what is written');
  releases[2]!();
  await del;
  t.equal(batches.length, 3);
});

t.test('a batch is synced when any of its writers asked for it', async (t) => {
  const { store, batches, releases, started } = await gated();
  const writer = new WriteCoalescer(store);
  const first = writer.write([put('a', 1)]);
  await started(1);
  const rest = Promise.all([writer.write([put('b', 1)]), writer.write([put('c', 1)], { sync: true })]);
  releases[0]!();
  await first;
  await started(2);
  releases[1]!();
  await rest;
  t.same(
    batches.map((b) => b.sync),
    [false, true],
  );
  const after = writer.write([put('d', 1)]);
  await started(3);
  releases[2]!();
  await after;
  t.equal(batches[2]!.sync, false, 'sync is not carried over to the batch after');
});

t.test('a failed batch rejects only its own writers, and the writer goes on', async (t) => {
  const { inner, store, releases, started } = await gated();
  const writer = new WriteCoalescer(store);
  const first = writer.write([put('a', 1)]);
  await started(1);
  const second = writer.write([put('b', 1)]);
  releases[0]!(new Error('disk full'));
  await t.rejects(first, { message: 'disk full' });
  await started(2);
  releases[1]!();
  await second;
  t.equal(await inner.get('b'), 1);
  t.equal(await inner.get('a'), undefined);
});

t.test('no ops, no batch; flushed() waits for everything handed in', async (t) => {
  const { store, batches, releases, started } = await gated();
  const writer = new WriteCoalescer(store);
  await writer.write([]);
  t.equal(batches.length, 0);
  void writer.write([put('a', 1)]);
  await started(1);
  let flushed = false;
  const done = writer.flushed().then(() => (flushed = true));
  await new Promise((r) => setImmediate(r));
  t.equal(flushed, false, 'not flushed while the batch is out');
  releases[0]!();
  await done;
  t.equal(flushed, true);
});
