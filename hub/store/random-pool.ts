/**
 * Random bytes for event ids, taken from a buffer filled a few KiB at a time, as Node's own
 * randomUUID does: one crypto call per event for 10 bytes was a tenth of the hub's time per
 * reading (docs/benchmarks.md#where-the-hubs-time-goes). Each slice is handed out once.
 */
import { randomFillSync } from 'node:crypto';

/** @param fill the random source (crypto's; a counting one in tests) */
export function createRandomPool(size = 4096, fill: (buffer: Uint8Array) => Uint8Array = randomFillSync): (n: number) => Uint8Array {
  const pool = new Uint8Array(size);
  let offset = size;
  return (n) => {
    if (n > size) return fill(new Uint8Array(n));
    if (offset + n > size) {
      fill(pool);
      offset = 0;
    }
    const out = pool.slice(offset, offset + n);
    offset += n;
    return out;
  };
}
