/**
 * Fuzz targets for every serial codec of the registry (protocols/codecs.ts, docs/serial-devices.md),
 * run by bench/fuzz.ts. Per codec:
 * - valid: a stream of valid frames in 1–256-byte chunks (as a UART driver hands them over): every
 *   frame comes out whole, nothing is rejected;
 * - mutated: the same with frames bit-flipped, cut, stretched and noise-bursted: the framer never
 *   throws, never frames more bytes than it was given, and the decoder accepts what it frames;
 * - random: random bytes the size of a frame; after each batch of garbage, valid frames worth
 *   512 bytes must all come out, except at most the first ("resync within one frame"), and that
 *   one only when a frame that began in the garbage swallowed it whole (a chance header whose
 *   claimed length lands on the real frame's end, checksum or tail and all: an LD2410 command has
 *   only its tail to check); the table counts the checks where none was lost;
 * - direct: mutated frames straight into the decoder (as `hub decode` hands them over): it
 *   returns or refuses with a coded error, never anything else.
 */
import { SERIAL_CODECS, type SerialCodec } from '../protocols/codecs.ts';
import { codeOf, concatAll, FuzzFailure, inBatches, Tally, type FuzzPhase, type FuzzTarget, type PhaseResult } from './fuzz-phase.ts';
import { mutateFrame, type Rng } from './fuzz-rng.ts';
import { DECODER_MAY_REFUSE, serialSample } from './serial-samples.ts';

/** Longer than any frame of any registered format (74 bytes for LD2410 and the Seeed radar), so a false header in the garbage is resolved. */
const RESYNC_TAIL_BYTES = 512;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, k) => x === b[k]);

function framerPhase(codec: SerialCodec, rng: Rng, name: string, make: () => Uint8Array, resync: (() => Uint8Array) | null): FuzzPhase {
  return {
    name,
    run(frames, progress): PhaseResult {
      const framer = codec.createFramer();
      const decodeErrors = new Tally();
      let bytes = 0;
      let framedBytes = 0;
      let decoded = 0;
      let refused = 0;
      let checks = 0;
      let firstLost = 0;
      /** `counted`: false for the resync check's own frames, which are not the phase's frames. */
      const decodeFrame = (frame: Uint8Array, counted = true): void => {
        framedBytes += frame.length;
        try {
          codec.decode(frame);
          if (counted) decoded++;
        } catch (err) {
          const code = codeOf(err);
          if (!DECODER_MAY_REFUSE.has(codec.id) || code === undefined) throw new FuzzFailure(`${codec.id} ${name}: the decoder threw on a framed frame: ${String(err)}`, { cause: err });
          decodeErrors.add(code);
          if (counted) refused++;
        }
      };
      // After each batch of garbage, framing must resume: valid frames out, nothing left pending.
      const resyncCheck = resync
        ? (): void => {
            const tail: Uint8Array[] = [];
            for (let size = 0; size < RESYNC_TAIL_BYTES || tail.length < 3; ) {
              const f = resync();
              tail.push(f);
              size += f.length;
            }
            const stream = concatAll(tail);
            bytes += stream.length;
            const out = framer.push(stream);
            for (const f of out) decodeFrame(f, false);
            checks++;
            let matched = 0;
            while (matched < tail.length && matched < out.length && sameBytes(out[out.length - 1 - matched]!, tail[tail.length - 1 - matched]!)) matched++;
            if (matched < tail.length - 1) throw new FuzzFailure(`${codec.id} ${name}: after garbage only the last ${matched} of ${tail.length} valid frames came out`);
            if (matched === tail.length - 1) {
              // Allowed only when a frame that began in the garbage swallowed the first whole (see the header).
              const swallower = out[out.length - tail.length];
              const first = tail[0]!;
              if (!swallower || swallower.length <= first.length || !sameBytes(swallower.subarray(swallower.length - first.length), first)) {
                throw new FuzzFailure(`${codec.id} ${name}: the first valid frame after garbage was lost, not swallowed by a frame from the garbage`);
              }
              firstLost++;
            }
            if (framer.pending !== 0) throw new FuzzFailure(`${codec.id} ${name}: ${framer.pending} bytes still pending after whole valid frames`);
          }
        : undefined;
      const ms = inBatches(
        frames,
        progress,
        (n) => {
          const parts: Uint8Array[] = [];
          for (let i = 0; i < n; i++) parts.push(make());
          const stream = concatAll(parts);
          bytes += stream.length;
          const cuts: number[] = [];
          for (let at = 0; at < stream.length; at += 1 + rng.int(256)) cuts.push(at);
          return { stream, cuts };
        },
        ({ stream, cuts }) => {
          for (let i = 0; i < cuts.length; i++) for (const frame of framer.push(stream.subarray(cuts[i], cuts[i + 1] ?? stream.length))) decodeFrame(frame);
        },
        resyncCheck,
      );
      if (framedBytes + framer.pending > bytes) throw new FuzzFailure(`${codec.id} ${name}: framed ${framedBytes} + pending ${framer.pending} bytes, only ${bytes} pushed`);
      const outcomes: Record<string, number> = {};
      for (const [code, n] of Object.entries(framer.rejects)) if (n > 0) outcomes[code] = n;
      for (const [code, n] of Object.entries(decodeErrors.counts)) outcomes[`decoder ${code}`] = n;
      return { frames, bytes, decoded, refused, ms, outcomes, ...(resync ? { note: `resync ${checks - firstLost}/${checks}` } : {}) };
    },
  };
}

function directPhase(codec: SerialCodec, rng: Rng, make: () => Uint8Array): FuzzPhase {
  return {
    name: 'direct',
    run(frames, progress): PhaseResult {
      const outcomes = new Tally();
      let bytes = 0;
      let decoded = 0;
      const ms = inBatches(
        frames,
        progress,
        (n) => {
          const batch: Uint8Array[] = [];
          for (let i = 0; i < n; i++) {
            const f = mutateFrame(rng, make(), 10);
            bytes += f.length;
            batch.push(f);
          }
          return batch;
        },
        (batch) => {
          for (const f of batch) {
            try {
              codec.decode(f);
              decoded++;
            } catch (err) {
              const code = codeOf(err);
              if (code === undefined) throw new FuzzFailure(`${codec.id} direct: the decoder threw an error without a code: ${String(err)}`, { cause: err });
              outcomes.add(code);
            }
          }
        },
      );
      return { frames, bytes, decoded, refused: frames - decoded, ms, outcomes: outcomes.counts };
    },
  };
}

export function serialTarget(codec: SerialCodec): FuzzTarget {
  return {
    kind: 'serial',
    name: codec.id,
    phases(rng) {
      const sample = serialSample(codec);
      const valid = (): Uint8Array => sample(rng);
      const sampleLength = valid().length;
      const validPhase = framerPhase(codec, rng, 'valid', valid, null);
      return [
        {
          name: 'valid',
          run(frames, progress) {
            const r = validPhase.run(frames, progress);
            // Every valid frame comes out, and nothing at all is rejected.
            if (r.decoded + r.refused !== frames) throw new FuzzFailure(`${codec.id} valid: ${frames} frames in, ${r.decoded + r.refused} out`);
            const rejected = Object.entries(r.outcomes).filter(([code]) => !code.startsWith('decoder '));
            if (rejected.length > 0) throw new FuzzFailure(`${codec.id} valid: rejects in a clean stream: ${JSON.stringify(Object.fromEntries(rejected))}`);
            return r;
          },
        },
        framerPhase(codec, rng, 'mutated', () => mutateFrame(rng, valid()), null),
        framerPhase(codec, rng, 'random', () => rng.bytes(sampleLength), valid),
        directPhase(codec, rng, valid),
      ];
    },
  };
}

/** One target per registered serial codec: a codec added to SERIAL_CODECS is fuzzed without an edit here. */
export const SERIAL_TARGETS: readonly FuzzTarget[] = SERIAL_CODECS.map(serialTarget);
