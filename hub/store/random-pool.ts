/**
 * Random bytes for event ids, taken from a buffer filled a few KiB at a time, as Node's own
 * randomUUID does: one crypto call per event for 10 bytes was a tenth of the hub's time per
 * reading (docs/benchmarks.md#where-the-hubs-time-goes). Each slice is handed out once.
 */
import { randomFillSync } from 'node:crypto';

export function createRandomPool(size = 4096): (n: number) => Uint8Array {
  const pool = new Uint8Array(size);
  let offset = size;
  return (n) => {
    if (n > size) return randomFillSync(new Uint8Array(n));
    if (offset + n > size) {
      randomFillSync(pool);
      offset = 0;
    }
    const out = pool.slice(offset, offset + n);
    offset += n;
    return out;
  };
}
