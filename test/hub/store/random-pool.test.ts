/** The random pool hands out each byte once and refills: ids never share their random part. */
import t from 'tap';
import { createRandomPool } from '../../../hub/store/random-pool.ts';

t.test('slices are fresh, never repeated across refills, and longer requests bypass the pool', async (t) => {
  const take = createRandomPool(32);
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const bytes = take(10);
    t.equal(bytes.length, 10);
    seen.add(Buffer.from(bytes).toString('hex'));
  }
  t.equal(seen.size, 100, '100 distinct slices through many refills');
  const a = take(10);
  const copy = Uint8Array.from(a);
  take(30); // forces a refill of the pool
  t.same(a, copy, 'a slice handed out is not overwritten by a refill');
  t.equal(take(64).length, 64);
});
