/**
 * Fuzz for every serial framer (fast-check, small enough for npm test; `npm run fuzz` runs 10^6
 * frames per framer): random bytes and mutated valid streams never make a framer throw or hang,
 * every input byte ends up in exactly one frame, one reject or the pending buffer, the decoders
 * accept what the framers emit (LD2410 may refuse with a SerialDecodeError only), and after any
 * garbage the valid frames that follow are all decoded, the first one included.
 */
import t from 'tap';
import fc from 'fast-check';
import { SerialDecodeError, type Framer } from '../../../protocols/serial/index.ts';
import { chunked, CODECS, type CodecEntry } from './arbitraries.ts';
import { concatAll } from './support.ts';

const RUNS = 200;

interface Run {
  frames: Uint8Array[];
  rejectedBytes: number;
  rejectEvents: number;
  framer: Framer;
}

function run(codec: CodecEntry, bytes: Uint8Array, cuts: number[]): Run {
  let rejectedBytes = 0;
  let rejectEvents = 0;
  const framer = codec.framer({
    onReject: (_code, raw) => {
      rejectedBytes += raw.length;
      rejectEvents += 1;
    },
  });
  const frames = chunked(bytes, cuts).flatMap((c) => framer.push(c));
  return { frames, rejectedBytes, rejectEvents, framer };
}

/** The invariants every run must keep; returns a reason when one breaks. */
function broken(codec: CodecEntry, bytes: Uint8Array, r: Run): string | null {
  const framed = r.frames.reduce((n, f) => n + f.length, 0);
  if (framed + r.rejectedBytes + r.framer.pending !== bytes.length) {
    return `bytes lost or doubled: ${framed} framed + ${r.rejectedBytes} rejected + ${r.framer.pending} pending ≠ ${bytes.length}`;
  }
  const counted = Object.values(r.framer.rejects).reduce((a, b) => a + b, 0);
  if (counted !== r.rejectEvents) return `rejects counted ${counted}, reported ${r.rejectEvents}`;
  if (r.framer.frames !== r.frames.length) return 'frame counter disagrees';
  if (r.framer.pending > codec.maxFrame) return `pending ${r.framer.pending} > longest frame ${codec.maxFrame}`;
  for (const f of r.frames) {
    try {
      codec.decode(f);
    } catch (err) {
      if (!(codec.name === 'ld2410' && err instanceof SerialDecodeError)) return `decoder threw ${String(err)} on a framed frame`;
    }
  }
  return null;
}

type Mutation = { at: number; op: 'flip' | 'delete' | 'insert' | 'set'; value: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('flip', 'delete', 'insert', 'set'),
  value: fc.integer({ min: 0, max: 255 }),
});

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  const out = Array.from(bytes);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.op === 'flip' && out.length) out[at] = out[at]! ^ (1 << (m.value & 7));
    else if (m.op === 'delete') out.splice(at, 1);
    else if (m.op === 'insert') out.splice(at, 0, m.value);
    else if (out.length) out[at] = m.value;
  }
  return Uint8Array.from(out);
}

const cuts = fc.array(fc.nat(), { maxLength: 12 });

for (const codec of CODECS) {
  t.test(`${codec.name}: random bytes`, async (t) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cuts, (bytes, c) => {
        const reason = broken(codec, bytes, run(codec, bytes, c));
        if (reason) throw new Error(reason);
      }),
      { numRuns: RUNS },
    );
    t.pass('no throw; every byte accounted for');
  });

  t.test(`${codec.name}: mutated valid streams`, async (t) => {
    fc.assert(
      fc.property(fc.array(codec.frame, { minLength: 1, maxLength: 12 }), fc.array(mutation, { minLength: 1, maxLength: 8 }), cuts, (frames, ms, c) => {
        const bytes = mutate(concatAll(frames), ms);
        const reason = broken(codec, bytes, run(codec, bytes, c));
        if (reason) throw new Error(reason);
      }),
      { numRuns: RUNS },
    );
    t.pass('no throw; every byte accounted for');
  });

  t.test(`${codec.name}: valid frames after garbage are all decoded`, async (t) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(codec.frame, { minLength: 1, maxLength: 4 }), cuts, (garbage, valid, c) => {
        // A false header inside the garbage may hold frames back until its claimed length has
        // arrived; send at least the longest frame's worth so that it is resolved. For the CMS50
        // framers that is one frame: the resync is immediate.
        while (valid.reduce((n, f) => n + f.length, 0) < codec.maxFrame) valid.push(valid[valid.length - 1]!);
        const bytes = concatAll([garbage, ...valid]);
        const r = run(codec, bytes, c);
        const reason = broken(codec, bytes, r);
        if (reason) throw new Error(reason);
        const tail = r.frames.slice(-valid.length);
        if (tail.length !== valid.length || tail.some((f, i) => f.length !== valid[i]!.length || f.some((b, k) => b !== valid[i]![k]))) {
          throw new Error(`expected the ${valid.length} valid frames at the end, got ${r.frames.length} frames`);
        }
        if (r.framer.pending !== 0) throw new Error(`${r.framer.pending} bytes still pending`);
      }),
      { numRuns: RUNS },
    );
    t.pass('resync held');
  });
}

t.test('no hang: 256 KiB of noise per framer in well under a second each', async (t) => {
  let x = 7;
  const noise = Uint8Array.from({ length: 256 * 1024 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
  for (const codec of CODECS) {
    const started = performance.now();
    const framer = codec.framer();
    for (let i = 0; i < noise.length; i += 4096) framer.push(noise.subarray(i, i + 4096));
    const ms = performance.now() - started;
    t.ok(ms < 2000, `${codec.name}: ${ms.toFixed(0)} ms, ${framer.frames} chance frames, rejects ${JSON.stringify(framer.rejects)}`);
  }
});
