/** The one contract every KvStore implementation passes (docs/architecture.md, storage seams). */
import type { Test } from 'tap';
import type { KvStore } from '../../../hub/store/kv-store.ts';

export interface KvContractSubject {
  /** A new, empty store. */
  make(): Promise<KvStore>;
  /**
   * Only for stores that keep data across instances: a new store and a way to open another
   * instance over the same data. Without it the reopen case is not declared (the in-memory store
   * keeps nothing across instances by design), rather than declared and passing with no assertion.
   */
  makePersistent?: () => Promise<{ store: KvStore; reopen: () => Promise<KvStore> }>;
}

export function kvContract(t: Test, name: string, subject: KvContractSubject): void {
  t.test(`${name}: get, batch, ranges`, async (t) => {
    const store = await subject.make();
    await store.open();
    t.equal(await store.get('missing'), undefined, 'missing key is undefined');
    await store.batch(
      [
        { type: 'put', key: 'b:2', value: { n: 2 } },
        { type: 'put', key: 'b:1', value: { n: 1 } },
        { type: 'put', key: 'c:1', value: 'other family' },
        { type: 'put', key: 'a:1', value: [1] },
      ],
      { sync: true },
    );
    t.same(await store.get('b:1'), { n: 1 });
    t.same(
      (await store.entries({ gte: 'b:', lt: 'b;' })).map(([k]) => k),
      ['b:1', 'b:2'],
      'range in key order',
    );
    t.same((await store.entries({ gte: 'b:', lt: 'b;', reverse: true, limit: 1 })).map(([k]) => k), ['b:2'], 'reverse + limit');
    t.same((await store.entries({ gt: 'b:1', lte: 'c:1' })).map(([k]) => k), ['b:2', 'c:1'], 'gt/lte bounds');
    t.same((await store.entries({ gte: 'b:', lt: 'b;', values: false })).map(([k]) => k), ['b:1', 'b:2'], 'keys only: the same keys (values may be left out)');
    await store.batch([{ type: 'del', key: 'b:1' }, { type: 'put', key: 'b:3', value: 3 }], { sync: false });
    t.same((await store.entries({ gte: 'b:', lt: 'b;' })).map(([k]) => k), ['b:2', 'b:3'], 'del and put in one batch');
    const value = { nested: { x: 1 } };
    await store.batch([{ type: 'put', key: 'v', value }], { sync: false });
    value.nested.x = 99;
    t.same(await store.get('v'), { nested: { x: 1 } }, 'stored value is a copy');
    await store.close();
  });

  const makePersistent = subject.makePersistent;
  if (makePersistent === undefined) return;
  t.test(`${name}: survives reopen`, async (t) => {
    const { store, reopen } = await makePersistent();
    await store.open();
    await store.batch([{ type: 'put', key: 'k', value: 'kept' }], { sync: true });
    await store.close();
    const again = await reopen();
    await again.open();
    t.equal(await again.get('k'), 'kept');
    await again.close();
  });
}
