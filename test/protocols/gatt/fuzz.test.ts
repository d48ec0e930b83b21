/**
 * Fuzz (fast-check, small enough for npm test; the 10^6 run belongs to a fuzz script): random bytes
 * and mutated valid frames never make a decoder throw anything but a GattDecodeError, never read
 * out of bounds (a short frame is 'truncated', not undefined values), and never hang.
 */
import t from 'tap';
import fc from 'fast-check';
import { GATT_CODECS, GattDecodeError, type GattCodec } from '../../../protocols/gatt/index.ts';
import { decodeRacpRequest } from '../../../protocols/gatt/record-access-control-point.ts';
import { VALUE_ARBITRARIES } from './arbitraries.ts';

function findBad(x: unknown, path = '$'): string | undefined {
  if (typeof x === 'number') return Number.isNaN(x) ? `NaN at ${path}` : undefined;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      if (x[i] === undefined) return `undefined at ${path}[${i}]`;
      const b = findBad(x[i], `${path}[${i}]`);
      if (b) return b;
    }
    return undefined;
  }
  if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      const b = findBad(v, `${path}.${k}`);
      if (b) return b;
    }
  }
  return undefined;
}

/** Decode and classify: 'ok', or the error code; anything else fails the property. */
function attempt(codec: GattCodec<unknown>, bytes: Uint8Array): string {
  try {
    const out = codec.decode(bytes);
    if (!Array.isArray(out.readings)) throw new Error('no readings array');
    for (const r of out.readings) {
      if (r.value === null ? r.reason === undefined : Number.isNaN(r.value) || r.reason !== undefined) throw new Error(`bad reading ${JSON.stringify(r)}`);
    }
    // An out-of-bounds read would surface as NaN (undefined | 0 …) or undefined inside an array.
    const bad = findBad(out);
    if (bad) throw new Error(`${bad} in ${JSON.stringify(out)}`);
    return 'ok';
  } catch (err) {
    if (err instanceof GattDecodeError) return err.code;
    throw err;
  }
}

type Mutation = { kind: 'flip'; at: number; mask: number } | { kind: 'cut'; at: number } | { kind: 'append'; bytes: number[] } | { kind: 'flags'; mask: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('flags' as const), mask: fc.integer({ min: 1, max: 255 }) }),
);

function mutate(frame: Uint8Array, m: Mutation): Uint8Array {
  const out = Uint8Array.from(frame);
  if (out.length === 0) return out;
  switch (m.kind) {
    case 'flip':
      out[m.at % out.length]! ^= m.mask;
      return out;
    case 'cut':
      return out.slice(0, m.at % out.length);
    case 'append':
      return Uint8Array.from([...out, ...m.bytes]);
    case 'flags':
      out[0]! ^= m.mask;
      return out;
  }
}

for (const codec of GATT_CODECS) {
  t.test(`${codec.name}: random bytes and mutated frames`, async (t) => {
    const seen = new Map<string, number>(); // outcome (ok or error code) → count
    const note = (o: string): void => void seen.set(o, (seen.get(o) ?? 0) + 1);
    const started = performance.now();
    t.doesNotThrow(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), (b) => note(attempt(codec, b))), { numRuns: 1500 }), 'random bytes');
    const valid = VALUE_ARBITRARIES.get(codec.uuid)!;
    t.doesNotThrow(
      () => fc.assert(fc.property(valid, mutation, (v, m) => note(attempt(codec, mutate(codec.encode(v), m)))), { numRuns: 1500 }),
      'mutated valid frames',
    );
    t.ok(performance.now() - started < 5000, 'no hang: 3000 decodes well under 5 s');
    t.ok((seen.get('truncated') ?? 0) > 0, `short frames are caught as truncated (${JSON.stringify(Object.fromEntries(seen))})`);
  });
}

t.test('RACP request decoder (simulator side) under random bytes', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
        try {
          decodeRacpRequest(b);
        } catch (err) {
          if (!(err instanceof GattDecodeError)) throw err;
        }
      }),
      { numRuns: 3000 },
    ),
  );
});
