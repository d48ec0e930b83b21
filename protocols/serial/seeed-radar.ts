/**
 * Seeed 60 GHz mmWave radars of the MR60FDA1 (fall) / MR60BHA1 (breathing, heart) / MR24HPC1
 * family, first-generation UART protocol, 115200 8N1:
 *
 *   53 59 | control | command | lenH lenL | data (len) | sum | 54 43
 *
 * sum = (sum of every byte from 0x53 through the last data byte) & 0xFF. The frame is parsed by
 * its length: Seeed's own library reads up to the first 0x43, which breaks whenever a data or
 * checksum byte happens to be 0x43.
 * Sources: limengdu/Seeed-Studio-MR60FDA1-Sersor 60ghzfalldetection.h (fall and presence words),
 * limengdu/Seeed-Studio-MR60BHA1-Sensor 60ghzbreathheart.h (heart 0x85/0x02, breathing 0x81/0x02).
 */
import { SerialDecodeError } from './errors.ts';
import { reading, type MotionState, type SerialReading, type SerialState } from './readings.ts';
import { SerialFramer, findPair, sum8, type FrameSpec, type FramerOptions } from './framer.ts';

export const SEEED_RADAR_LINE = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } as const;

const HEAD1 = 0x53;
const HEAD2 = 0x59;
const TAIL1 = 0x54;
const TAIL2 = 0x43;
/** Header, control, command, length (2), checksum, tail (2). */
const OVERHEAD = 9;
/**
 * Longest data field accepted. The reports decoded here carry 1 byte; 64 leaves room for the
 * movement-bin and point-cloud reports while bounding how long a false header found in noise can
 * hold back the frames behind it.
 */
export const SEEED_RADAR_MAX_DATA = 64;
export const SEEED_RADAR_MAX_FRAME = SEEED_RADAR_MAX_DATA + OVERHEAD;

/** Control and command words [60ghzfalldetection.h, 60ghzbreathheart.h]. */
export const SEEED_RADAR_WORDS = {
  /** Control 0x01, system: heartbeat (the family's periodic alive report) and reset (0x02). */
  heartbeat: [0x01, 0x01],
  reset: [0x01, 0x02],
  presence: [0x80, 0x01],
  motion: [0x80, 0x02],
  bodyMovement: [0x80, 0x03],
  breathingRate: [0x81, 0x02],
  fall: [0x83, 0x01],
  stationaryResidence: [0x83, 0x05],
  heartRate: [0x85, 0x02],
} as const satisfies Record<string, readonly [number, number]>;

export type SeeedRadarRejectCode = 'bad-length' | 'bad-tail' | 'bad-checksum';

export const SEEED_RADAR_SPEC: FrameSpec<SeeedRadarRejectCode> = {
  codes: ['bad-length', 'bad-tail', 'bad-checksum'],
  findStart: (buf, from, end) => findPair(buf, HEAD1, HEAD2, from, end),
  check(buf, start, end) {
    if (end - start < 6) return 'more';
    const length = (buf[start + 4]! << 8) | buf[start + 5]!;
    if (length > SEEED_RADAR_MAX_DATA) return { reject: 'bad-length', skip: 1 };
    const total = length + OVERHEAD;
    if (end - start < total) return 'more';
    if (buf[start + total - 2] !== TAIL1 || buf[start + total - 1] !== TAIL2) return { reject: 'bad-tail', skip: 1 };
    if (sum8(buf, start, start + 6 + length) !== buf[start + 6 + length]) return { reject: 'bad-checksum', skip: 1 };
    return { frame: total };
  },
};

export function createSeeedRadarFramer(options?: FramerOptions<SeeedRadarRejectCode>): SerialFramer<SeeedRadarRejectCode> {
  return new SerialFramer(SEEED_RADAR_SPEC, options);
}

/** The reports this codec understands, as values (what firmware-sim encodes and the decoder returns). */
export type SeeedRadarReport =
  | { kind: 'alive' }
  | { kind: 'presence'; present: boolean }
  | { kind: 'motion'; motion: MotionState }
  | { kind: 'body-movement'; level: number }
  | { kind: 'fall'; fallen: boolean }
  | { kind: 'stationary-residence'; residing: boolean }
  | { kind: 'heart-rate'; bpm: number }
  | { kind: 'breathing-rate'; perMinute: number };

export interface SeeedRadarFrame {
  control: number;
  command: number;
  data: Uint8Array;
  /** What the frame says, or null for a word this codec does not know or a value out of its range. */
  report: SeeedRadarReport | null;
  states: SerialState[];
  readings: SerialReading[];
}

const MOTIONS: readonly MotionState[] = ['none', 'stationary', 'moving'];

/** Decode one whole frame (as a framer emits it); throws SerialDecodeError on a malformed one. */
export function decodeSeeedRadar(bytes: Uint8Array): SeeedRadarFrame {
  if (bytes.length < OVERHEAD) throw new SerialDecodeError('length', `${bytes.length} bytes, a frame has at least ${OVERHEAD}`);
  if (bytes[0] !== HEAD1 || bytes[1] !== HEAD2) throw new SerialDecodeError('header', 'a frame starts with 53 59');
  const length = (bytes[4]! << 8) | bytes[5]!;
  if (bytes.length !== length + OVERHEAD) throw new SerialDecodeError('length', `length field ${length} needs ${length + OVERHEAD} bytes, got ${bytes.length}`);
  if (bytes[bytes.length - 2] !== TAIL1 || bytes[bytes.length - 1] !== TAIL2) throw new SerialDecodeError('header', 'a frame ends with 54 43');
  const sum = sum8(bytes, 0, 6 + length);
  if (sum !== bytes[6 + length]) throw new SerialDecodeError('checksum', `sum 0x${sum.toString(16)}, frame says 0x${bytes[6 + length]!.toString(16)}`);
  const control = bytes[2]!;
  const command = bytes[3]!;
  const data = bytes.slice(6, 6 + length);
  const report = interpret(control, command, data);
  return { control, command, data, report, ...consequences(report) };
}

function interpret(control: number, command: number, data: Uint8Array): SeeedRadarReport | null {
  const word = (control << 8) | command;
  const v = data.length === 1 ? data[0]! : undefined;
  if (word === 0x0101) return { kind: 'alive' };
  if (v === undefined) return null;
  switch (word) {
    case 0x8001:
      return v <= 1 ? { kind: 'presence', present: v === 1 } : null;
    case 0x8002:
      return v <= 2 ? { kind: 'motion', motion: MOTIONS[v]! } : null;
    case 0x8003:
      return v <= 100 ? { kind: 'body-movement', level: v } : null;
    case 0x8301:
      return v <= 1 ? { kind: 'fall', fallen: v === 1 } : null;
    case 0x8305:
      return v <= 1 ? { kind: 'stationary-residence', residing: v === 1 } : null;
    case 0x8502:
      return { kind: 'heart-rate', bpm: v };
    case 0x8102:
      return { kind: 'breathing-rate', perMinute: v };
    default:
      return null;
  }
}

function consequences(report: SeeedRadarReport | null): { states: SerialState[]; readings: SerialReading[] } {
  if (!report) return { states: [], readings: [] };
  switch (report.kind) {
    case 'alive':
      return { states: [{ kind: 'device-status', status: 'alive' }], readings: [] };
    // A rate of 0 is the radar saying it has nothing (nobody, or not still enough): no reading.
    case 'heart-rate':
      return { states: [], readings: report.bpm > 0 ? [reading('heart-rate', report.bpm)] : [] };
    case 'breathing-rate':
      return { states: [], readings: report.perMinute > 0 ? [reading('respiratory-rate', report.perMinute)] : [] };
    default:
      return { states: [report], readings: [] };
  }
}

/** Build a frame from its words and data (checksum and tail added). */
export function encodeSeeedRadar(control: number, command: number, data: ArrayLike<number> = []): Uint8Array {
  const out = new Uint8Array(data.length + OVERHEAD);
  out.set([HEAD1, HEAD2, control & 0xff, command & 0xff, (data.length >> 8) & 0xff, data.length & 0xff], 0);
  for (let i = 0; i < data.length; i++) out[6 + i] = data[i]! & 0xff;
  out[6 + data.length] = sum8(out, 0, 6 + data.length);
  out[7 + data.length] = TAIL1;
  out[8 + data.length] = TAIL2;
  return out;
}

/** The frame a radar sends for a report (firmware-sim). The heartbeat carries one byte, 0x0F as in the library's query frames. */
export function encodeSeeedRadarReport(report: SeeedRadarReport): Uint8Array {
  const w = SEEED_RADAR_WORDS;
  switch (report.kind) {
    case 'alive':
      return encodeSeeedRadar(...w.heartbeat, [0x0f]);
    case 'presence':
      return encodeSeeedRadar(...w.presence, [report.present ? 1 : 0]);
    case 'motion':
      return encodeSeeedRadar(...w.motion, [MOTIONS.indexOf(report.motion)]);
    case 'body-movement':
      return encodeSeeedRadar(...w.bodyMovement, [report.level]);
    case 'fall':
      return encodeSeeedRadar(...w.fall, [report.fallen ? 1 : 0]);
    case 'stationary-residence':
      return encodeSeeedRadar(...w.stationaryResidence, [report.residing ? 1 : 0]);
    case 'heart-rate':
      return encodeSeeedRadar(...w.heartRate, [report.bpm]);
    case 'breathing-rate':
      return encodeSeeedRadar(...w.breathingRate, [report.perMinute]);
  }
}
