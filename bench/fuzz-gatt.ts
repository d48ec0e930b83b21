/**
 * Fuzz targets for every GATT codec of the registry (protocols/gatt/index.ts, docs/gatt.md), run by
 * bench/fuzz.ts. A GATT value arrives whole in one notification, so there is no framer: the decoder
 * gets each frame alone. Per codec:
 * - valid: encodings of values drawn from the codec's value space (the arbitraries the round-trip
 *   tests use, test/protocols/gatt/arbitraries.ts, sampled once with the run's seed) decode back to
 *   their values;
 * - mutated: those encodings bit-flipped, truncated, extended (bench/fuzz-rng.ts);
 * - random: random bytes of random length (0–64);
 * and in every phase the decoder returns (with a readings array) or throws a GattDecodeError,
 * never anything else.
 */
import fc from 'fast-check';
import { GATT_CODECS, GattDecodeError, type AnyGattCodec } from '../protocols/gatt/index.ts';
import { VALUE_ARBITRARIES } from '../test/protocols/gatt/arbitraries.ts';
import { FuzzFailure, inBatches, Tally, type FuzzPhase, type FuzzTarget, type PhaseResult } from './fuzz-phase.ts';
import { mutateFrame, type Rng } from './fuzz-rng.ts';

/** Distinct values per codec; the valid and mutated phases cycle through their encodings. */
const POOL = 2000;
const MAX_RANDOM_LENGTH = 64;

/** Every key of `want` (recursively) has the same value in `got`; `got` may carry more (flags, names, readings). As in test/protocols/gatt/round-trip.test.ts. */
function covers(got: unknown, want: unknown): boolean {
  if (want === null || typeof want !== 'object') return Object.is(got, want);
  if (got === null || typeof got !== 'object') return false;
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => covers(got[i], w));
  return Object.entries(want).every(([k, w]) => covers((got as Record<string, unknown>)[k], w));
}

function phase(codec: AnyGattCodec, name: string, make: () => { bytes: Uint8Array; value?: unknown }): FuzzPhase {
  return {
    name,
    run(frames, progress): PhaseResult {
      const outcomes = new Tally();
      let bytes = 0;
      let decoded = 0;
      const ms = inBatches(
        frames,
        progress,
        (n) => {
          const batch: Array<{ bytes: Uint8Array; value?: unknown }> = [];
          for (let i = 0; i < n; i++) {
            const f = make();
            bytes += f.bytes.length;
            batch.push(f);
          }
          return batch;
        },
        (batch) => {
          for (const f of batch) {
            let out: { readings: unknown };
            try {
              out = codec.decode(f.bytes);
            } catch (err) {
              if (!(err instanceof GattDecodeError)) throw new FuzzFailure(`${codec.id} ${name}: decode threw ${String(err)} (only GattDecodeError is allowed)`, { cause: err });
              if (f.value !== undefined) throw new FuzzFailure(`${codec.id} ${name}: a valid encoding was refused: ${err.message}`, { cause: err });
              outcomes.add(err.code);
              continue;
            }
            if (!Array.isArray(out.readings)) throw new FuzzFailure(`${codec.id} ${name}: decode returned no readings array`);
            if (f.value !== undefined && !covers(out, f.value)) throw new FuzzFailure(`${codec.id} ${name}: decoded ${JSON.stringify(out)} lost ${JSON.stringify(f.value)}`);
            decoded++;
          }
        },
      );
      return { frames, bytes, decoded, refused: frames - decoded, ms, outcomes: outcomes.counts };
    },
  };
}

export function gattTarget(codec: AnyGattCodec): FuzzTarget {
  return {
    kind: 'gatt',
    name: codec.id,
    phases(rng: Rng) {
      const arb = VALUE_ARBITRARIES.get(codec.uuid);
      if (!arb) throw new FuzzFailure(`no value arbitrary for GATT codec ${codec.id}: add one to test/protocols/gatt/arbitraries.ts`);
      const values = fc.sample(arb, { numRuns: POOL, seed: rng.next() | 0 });
      const pool = values.map((value) => ({ value, bytes: codec.encode(value) as Uint8Array }));
      return [
        phase(codec, 'valid', () => pool[rng.int(pool.length)]!),
        phase(codec, 'mutated', () => ({ bytes: mutateFrame(rng, pool[rng.int(pool.length)]!.bytes, 0) })),
        phase(codec, 'random', () => ({ bytes: rng.bytes(rng.int(MAX_RANDOM_LENGTH + 1)) })),
      ];
    },
  };
}

/** One target per registered GATT codec. */
export const GATT_TARGETS: readonly FuzzTarget[] = GATT_CODECS.map(gattTarget);
