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

t.test('the source is asked once per pool-full, not once per id', async (t) => {
  const fills: number[] = [];
  const take = createRandomPool(30, (buffer) => (fills.push(buffer.length), buffer.fill(fills.length)));
  for (let i = 0; i < 9; i++) take(10);
  t.same(fills, [30, 30, 30], 'nine ids of 10 bytes from three fills of 30: a slice may end exactly at the pool\'s end');
  t.same([...take(10)], Array(10).fill(4), 'the tenth id comes from a fourth fill');
  t.same([...take(30)], Array(30).fill(5), 'a request the size of the pool empties a refilled pool');
  t.same([...take(10)], Array(10).fill(6), 'so the next id needs a refill');
  t.same([...take(31)], Array(31).fill(7), 'a request larger than the pool gets its own buffer');
  t.same([...take(10)], Array(10).fill(6), 'and leaves the pool as it was');
  t.same(fills, [30, 30, 30, 30, 30, 30, 31]);
});
