/**
 * The seedable random source and the byte mutations of the fuzz script and the codec benchmark
 * (bench/fuzz.ts, bench/codecs.ts). xorshift32: fast and seedable, good enough to pick bytes and
 * mutations (not for anything secret).
 */

export class Rng {
  private state: number;

  constructor(seed: number) {
    // xorshift32 is stuck at 0 forever, so 0 (or NaN) starts at 1 instead.
    this.state = seed >>> 0 || 1;
  }

  next(): number {
    let s = this.state;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    this.state = s >>> 0;
    return this.state;
  }

  /** 0 ≤ result < n. */
  int(n: number): number {
    return this.next() % n;
  }

  bool(): boolean {
    return (this.next() & 1) === 1;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/**
 * One to three mutations of a valid frame: a bit flip, a byte deleted, inserted or replaced, a
 * burst of noise, truncation, or random bytes appended. `intactPercent` of the frames are left
 * whole, so that in a stream the resync between broken frames is exercised too.
 */
export function mutateFrame(rng: Rng, frame: Uint8Array, intactPercent = 30): Uint8Array {
  if (rng.int(100) < intactPercent) return frame;
  const out = Array.from(frame);
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const at = rng.int(out.length + 1);
    const inside = out.length === 0 ? -1 : at % out.length;
    switch (rng.int(7)) {
      case 0:
        if (inside >= 0) out[inside] = out[inside]! ^ (1 << rng.int(8));
        break;
      case 1:
        out.splice(at, 1);
        break;
      case 2:
        out.splice(at, 0, rng.int(256));
        break;
      case 3:
        if (inside >= 0) out[inside] = rng.int(256);
        break;
      case 4:
        out.splice(at, 0, ...rng.bytes(1 + rng.int(20)));
        break;
      case 5:
        out.length = Math.min(out.length, at);
        break;
      default:
        out.push(...rng.bytes(1 + rng.int(8)));
    }
  }
  return Uint8Array.from(out);
}
