/**
 * npm run fuzz — pushes at least 10^6 valid, 10^6 mutated and 10^6 random frames through every
 * serial framer (docs/serial-devices.md), decodes what comes out, and prints frames/s and the
 * reject counts by code. Fails (exit 1) if a framer throws, a decoder throws on a framed frame
 * (other than a SerialDecodeError from the LD2410 engineering data), the byte accounting breaks,
 * a valid phase loses a frame, or a phase runs past its time limit (a hang).
 *
 * Options: --frames N (default 1000000 per phase), --seed S (default 1), --only <framer name>.
 */
import { parseArgs } from 'node:util';
import {
  createCms50LegacyFramer,
  createCms50V7Framer,
  createLd2410Framer,
  createSeeedRadarFramer,
  decodeCms50Legacy,
  decodeCms50V7,
  decodeLd2410,
  decodeSeeedRadar,
  encodeCms50Legacy,
  encodeCms50V7RealTime,
  encodeLd2410Command,
  encodeLd2410Report,
  encodeSeeedRadarReport,
  SerialDecodeError,
  type Framer,
  type SeeedRadarReport,
} from '../protocols/serial/index.ts';

const { values: args } = parseArgs({
  options: { frames: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' }, only: { type: 'string' } },
});
const FRAMES = Number(args.frames);
const BATCH = 10_000;
/** A phase that takes longer than this is a hang (10^6 frames take a few seconds on a busy core). */
const PHASE_LIMIT_MS = 120_000;
const say = (line: string) => process.stdout.write(line + '\n');

/** xorshift32: fast, seedable, good enough to pick bytes and mutations. */
let state = Number(args.seed) >>> 0 || 1;
function rnd(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
}
const int = (n: number): number => rnd() % n;
const bool = (): boolean => (rnd() & 1) === 1;

const MOTIONS = ['none', 'stationary', 'moving'] as const;
function seeedReport(): SeeedRadarReport {
  switch (int(8)) {
    case 0: return { kind: 'alive' };
    case 1: return { kind: 'presence', present: bool() };
    case 2: return { kind: 'motion', motion: MOTIONS[int(3)]! };
    case 3: return { kind: 'body-movement', level: int(101) };
    case 4: return { kind: 'fall', fallen: bool() };
    case 5: return { kind: 'stationary-residence', residing: bool() };
    case 6: return { kind: 'heart-rate', bpm: int(256) };
    default: return { kind: 'breathing-rate', perMinute: int(256) };
  }
}

function ld2410Frame(): Uint8Array {
  if (int(5) === 0) return encodeLd2410Command(int(256), Uint8Array.from({ length: int(9) }, () => int(256)), bool() ? { status: int(2) } : undefined);
  const gates = (n: number): number[] => Array.from({ length: n + 1 }, () => int(256));
  const mm = int(9);
  const ms = int(9);
  return encodeLd2410Report({
    targetState: int(4), movingDistanceCm: int(65536), movingEnergy: int(101), staticDistanceCm: int(65536), staticEnergy: int(101), detectionDistanceCm: int(65536),
    engineering: bool() ? null : { maxMovingGate: mm, maxStaticGate: ms, movingGateEnergy: gates(mm), staticGateEnergy: gates(ms), light: int(256), outPin: int(2) },
  });
}

interface Target {
  name: string;
  framer: () => Framer;
  decode: (f: Uint8Array) => unknown;
  valid: () => Uint8Array;
  /** LD2410 engineering data may be refused by the decoder (gate counts above 8, short arrays). */
  decoderMayRefuse: boolean;
}

const TARGETS: Target[] = [
  {
    name: 'cms50-legacy',
    framer: createCms50LegacyFramer,
    decode: decodeCms50Legacy,
    valid: () => encodeCms50Legacy({ signalStrength: int(16), pulseBeep: bool(), lowSpo2: bool(), searchingTooLong: bool(), pleth: int(128), searching: bool(), probeError: bool(), barGraph: int(16), pulseRate: int(256), spo2: int(128) }),
    decoderMayRefuse: false,
  },
  {
    name: 'cms50-v7',
    framer: () => createCms50V7Framer(),
    decode: decodeCms50V7,
    valid: () => encodeCms50V7RealTime({ signalStrength: int(16), searchingTooLong: bool(), lowSpo2: bool(), pulseBeep: bool(), probeError: bool(), pleth: int(128), searching: bool(), barGraph: int(16), piInvalid: bool(), pulseRate: int(256), spo2: int(256), piRaw: int(65536) }),
    decoderMayRefuse: false,
  },
  { name: 'seeed-radar', framer: createSeeedRadarFramer, decode: decodeSeeedRadar, valid: () => encodeSeeedRadarReport(seeedReport()), decoderMayRefuse: false },
  { name: 'ld2410', framer: createLd2410Framer, decode: decodeLd2410, valid: ld2410Frame, decoderMayRefuse: true },
];

function mutate(frame: Uint8Array): Uint8Array {
  if (int(10) < 3) return frame; // 30 % stay intact, so resync is exercised between broken ones
  const out = Array.from(frame);
  for (let n = 1 + int(3); n > 0; n--) {
    const at = int(out.length + 1);
    switch (int(5)) {
      case 0: out[at % out.length] = out[at % out.length]! ^ (1 << int(8)); break;
      case 1: out.splice(at, 1); break;
      case 2: out.splice(at, 0, int(256)); break;
      case 3: out[at % out.length] = int(256); break;
      default: out.splice(at, 0, ...Array.from({ length: 1 + int(20) }, () => int(256))); // a burst of noise
    }
  }
  return Uint8Array.from(out);
}

function randomFrame(like: number): Uint8Array {
  return Uint8Array.from({ length: like }, () => int(256));
}

interface PhaseResult {
  inFrames: number;
  bytes: number;
  outFrames: number;
  decodeRefused: number;
  ms: number;
  rejects: Readonly<Record<string, number>>;
}

class FuzzFailure extends Error {}

function phase(target: Target, make: () => Uint8Array): PhaseResult {
  const framer = target.framer();
  let bytes = 0;
  let outFrames = 0;
  let framedBytes = 0;
  let decodeRefused = 0;
  let ms = 0;
  for (let done = 0; done < FRAMES; done += BATCH) {
    const parts: Uint8Array[] = [];
    let size = 0;
    for (let i = 0; i < Math.min(BATCH, FRAMES - done); i++) {
      const f = make();
      parts.push(f);
      size += f.length;
    }
    const stream = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      stream.set(p, at);
      at += p.length;
    }
    bytes += size;
    const started = performance.now();
    // Chunks of 1..256 bytes, as a UART driver hands them over.
    for (let i = 0; i < stream.length; ) {
      const n = 1 + int(256);
      for (const frame of framer.push(stream.subarray(i, i + n))) {
        outFrames++;
        framedBytes += frame.length;
        try {
          target.decode(frame);
        } catch (err) {
          if (!(target.decoderMayRefuse && err instanceof SerialDecodeError)) throw new FuzzFailure(`${target.name}: decoder threw on a framed frame: ${String(err)}`, { cause: err });
          decodeRefused++;
        }
      }
      i += n;
    }
    ms += performance.now() - started;
    if (ms > PHASE_LIMIT_MS) throw new FuzzFailure(`${target.name}: phase ran past ${PHASE_LIMIT_MS} ms (hang?)`);
  }
  if (framedBytes + framer.pending > bytes) throw new FuzzFailure(`${target.name}: framed more bytes than were pushed`);
  return { inFrames: FRAMES, bytes, outFrames, decodeRefused, ms, rejects: { ...framer.rejects } };
}

const rows: string[][] = [];
let failed = false;
for (const target of TARGETS.filter((x) => !args.only || x.name === args.only)) {
  try {
    const sampleLength = target.valid().length;
    const results: Array<[string, PhaseResult]> = [
      ['valid', phase(target, target.valid)],
      ['mutated', phase(target, () => mutate(target.valid()))],
      ['random', phase(target, () => randomFrame(sampleLength))],
    ];
    const valid = results[0]![1];
    if (valid.outFrames !== FRAMES) throw new FuzzFailure(`${target.name}: ${FRAMES} valid frames in, ${valid.outFrames} out`);
    for (const [name, r] of results) {
      const rejects = Object.entries(r.rejects).filter(([, n]) => n > 0).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
      rows.push([target.name, name, String(r.inFrames), String(r.outFrames), String(r.decodeRefused), Math.round((r.outFrames / r.ms) * 1000).toLocaleString('en'), ((r.bytes / 1048576) / (r.ms / 1000)).toFixed(1), rejects]);
    }
  } catch (err) {
    failed = true;
    say(`FAIL ${err instanceof Error ? err.message : String(err)}`);
  }
}

const header = ['framer', 'phase', 'frames in', 'frames out', 'decoder refused', 'frames out/s', 'MiB/s in', 'rejects by code'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => (i >= 2 && i <= 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
say(`fuzz-serial: ${FRAMES.toLocaleString('en')} frames per phase, seed ${args.seed}, node ${process.version}`);
say(line(header));
for (const r of rows) say(line(r));
if (failed) process.exit(1);
