/**
 * Hi-Link HLK-LD2410 / LD2410B / LD2410C, 24 GHz presence radar (no fall output), 256000 baud 8N1
 * by default. Two frame kinds, both little-endian and without a checksum (the fixed header, tail
 * and inner markers are the only integrity checks):
 *
 *   report   F4 F3 F2 F1 | len (2) | type (02 basic, 01 engineering) | AA | … | 55 00 | F8 F7 F6 F5
 *   command  FD FC FB FA | len (2) | command word (2) | value …                  | 04 03 02 01
 *
 * An ACK echoes the command word with 0x01 in its high byte, then a status word (0 = OK).
 * Source: arendst/Tasmota tasmota/tasmota_xsns_sensor/xsns_102_ld2410.ino (frames captured from
 * the device in its comments) and the Hi-Link serial protocol manual's example frame.
 */
import { SerialDecodeError } from './errors.ts';
import type { MotionState, SerialState } from './readings.ts';
import { SerialFramer, type FrameSpec, type FramerOptions } from './framer.ts';

export const LD2410_LINE = { baudRate: 256000, dataBits: 8, parity: 'none', stopBits: 1 } as const;

const REPORT_HEAD = [0xf4, 0xf3, 0xf2, 0xf1] as const;
const REPORT_TAIL = [0xf8, 0xf7, 0xf6, 0xf5] as const;
const COMMAND_HEAD = [0xfd, 0xfc, 0xfb, 0xfa] as const;
const COMMAND_TAIL = [0x04, 0x03, 0x02, 0x01] as const;
/** Header (4), length (2), tail (4). */
const OVERHEAD = 10;
/** Longest body accepted: engineering reports are 0x23, the parameter ACK 0x1C; 64 bounds a false header's wait. */
export const LD2410_MAX_BODY = 64;
export const LD2410_MAX_FRAME = LD2410_MAX_BODY + OVERHEAD;

export type Ld2410RejectCode = 'bad-length' | 'bad-tail' | 'bad-marker';

function headAt(buf: Uint8Array, i: number, end: number): readonly number[] | null {
  const head = buf[i] === 0xf4 ? REPORT_HEAD : buf[i] === 0xfd ? COMMAND_HEAD : null;
  if (!head) return null;
  for (let k = 1; k < 4 && i + k < end; k++) if (buf[i + k] !== head[k]) return null;
  return head;
}

export const LD2410_SPEC: FrameSpec<Ld2410RejectCode> = {
  codes: ['bad-length', 'bad-tail', 'bad-marker'],
  findStart(buf, from, end) {
    for (let i = from; i < end; i++) if (headAt(buf, i, end)) return i;
    return -1;
  },
  check(buf, start, end) {
    if (end - start < 6) return 'more';
    const report = buf[start] === 0xf4;
    const body = buf[start + 4]! | (buf[start + 5]! << 8);
    if (body > LD2410_MAX_BODY || (report && body < 13) || (!report && body < 2)) return { reject: 'bad-length', skip: 1 };
    const total = body + OVERHEAD;
    if (end - start < total) return 'more';
    const tail = report ? REPORT_TAIL : COMMAND_TAIL;
    for (let k = 0; k < 4; k++) if (buf[start + 6 + body + k] !== tail[k]) return { reject: 'bad-tail', skip: 1 };
    if (report) {
      const type = buf[start + 6]!;
      // [Tasmota] body = type, 0xAA, target data, 0x55, 0x00 check byte.
      if ((type !== 0x01 && type !== 0x02) || buf[start + 7] !== 0xaa || buf[start + 4 + body] !== 0x55 || buf[start + 5 + body] !== 0x00) {
        return { reject: 'bad-marker', skip: 1 };
      }
    }
    return { frame: total };
  },
};

export function createLd2410Framer(options?: FramerOptions<Ld2410RejectCode>): SerialFramer<Ld2410RejectCode> {
  return new SerialFramer(LD2410_SPEC, options);
}

/** Target state byte: 0 none, 1 moving, 2 stationary, 3 both. */
export type Ld2410Target = 'none' | 'moving' | 'stationary' | 'both';
const TARGETS: readonly Ld2410Target[] = ['none', 'moving', 'stationary', 'both'];

export interface Ld2410Engineering {
  maxMovingGate: number;
  maxStaticGate: number;
  /** Energy per distance gate, gates 0..maxMovingGate. */
  movingGateEnergy: number[];
  staticGateEnergy: number[];
  /** Light sensor value and OUT pin level, when the frame carries them (null otherwise). */
  light: number | null;
  outPin: number | null;
}

/** The report's fields as sent; a parser must not "fix" them (real stationary frames carry the distance in the moving field). */
export interface Ld2410ReportFields {
  /** Raw target state byte. */
  targetState: number;
  movingDistanceCm: number;
  movingEnergy: number;
  staticDistanceCm: number;
  staticEnergy: number;
  detectionDistanceCm: number;
  engineering: Ld2410Engineering | null;
}

export interface Ld2410Report extends Ld2410ReportFields {
  kind: 'report';
  /** null when the state byte is not 0..3. */
  target: Ld2410Target | null;
  states: SerialState[];
}

export interface Ld2410Command {
  kind: 'command' | 'ack';
  /** The command word's low byte (0xFF enable config, 0xA0 firmware, …). */
  command: number;
  /** ACKs only: 0 = OK. */
  status: number | null;
  /** The value bytes after the command word (ACK: after the status word). */
  value: Uint8Array;
}

export function decodeLd2410(bytes: Uint8Array): Ld2410Report | Ld2410Command {
  if (bytes.length < OVERHEAD + 2) throw new SerialDecodeError('length', `${bytes.length} bytes is too short for an LD2410 frame`);
  const report = bytes[0] === 0xf4;
  const head = report ? REPORT_HEAD : COMMAND_HEAD;
  const tail = report ? REPORT_TAIL : COMMAND_TAIL;
  for (let k = 0; k < 4; k++) if (bytes[k] !== head[k]) throw new SerialDecodeError('header', `byte ${k} is 0x${bytes[k]!.toString(16)}`);
  const body = bytes[4]! | (bytes[5]! << 8);
  if (bytes.length !== body + OVERHEAD) throw new SerialDecodeError('length', `length field ${body} needs ${body + OVERHEAD} bytes, got ${bytes.length}`);
  for (let k = 0; k < 4; k++) if (bytes[6 + body + k] !== tail[k]) throw new SerialDecodeError('header', `tail byte ${k} is 0x${bytes[6 + body + k]!.toString(16)}`);
  const b = bytes.subarray(6, 6 + body);
  return report ? decodeReport(b) : decodeCommand(b);
}

function decodeCommand(b: Uint8Array): Ld2410Command {
  const word = b[0]! | (b[1]! << 8);
  if ((word >> 8) === 0x01) {
    if (b.length < 4) throw new SerialDecodeError('length', 'an ACK carries a command word and a status word');
    return { kind: 'ack', command: word & 0xff, status: b[2]! | (b[3]! << 8), value: b.slice(4) };
  }
  return { kind: 'command', command: word & 0xff, status: null, value: b.slice(2) };
}

function decodeReport(b: Uint8Array): Ld2410Report {
  const type = b[0]!;
  if (type !== 0x01 && type !== 0x02) throw new SerialDecodeError('marker', `report type 0x${type.toString(16)}`);
  if (b[1] !== 0xaa || b[b.length - 2] !== 0x55 || b[b.length - 1] !== 0x00) throw new SerialDecodeError('marker', 'a report body is 02|01 AA … 55 00');
  // Type, AA, 9 bytes of target data, 55, 00.
  if (b.length < 13) throw new SerialDecodeError('length', `report body of ${b.length} bytes, the basic one has 13`);
  const u16 = (i: number): number => b[i]! | (b[i + 1]! << 8);
  const fields: Ld2410ReportFields = {
    targetState: b[2]!,
    movingDistanceCm: u16(3),
    movingEnergy: b[5]!,
    staticDistanceCm: u16(6),
    staticEnergy: b[8]!,
    detectionDistanceCm: u16(9),
    engineering: null,
  };
  if (type === 0x01) fields.engineering = decodeEngineering(b.subarray(11, b.length - 2));
  const target = TARGETS[fields.targetState] ?? null;
  const states: SerialState[] = target === null ? [] : [
    { kind: 'presence', present: target !== 'none' },
    { kind: 'motion', motion: motionOf(target) },
  ];
  return { kind: 'report', ...fields, target, states };
}

function motionOf(target: Ld2410Target): MotionState {
  return target === 'none' ? 'none' : target === 'stationary' ? 'stationary' : 'moving';
}

/** Engineering extras: max moving gate, max static gate, moving energies, static energies, then light and OUT pin. */
function decodeEngineering(e: Uint8Array): Ld2410Engineering {
  if (e.length < 2) throw new SerialDecodeError('length', 'engineering data lacks the gate counts');
  const maxMovingGate = e[0]!;
  const maxStaticGate = e[1]!;
  const need = 2 + maxMovingGate + 1 + maxStaticGate + 1;
  if (maxMovingGate > 8 || maxStaticGate > 8) throw new SerialDecodeError('range', `max gates ${maxMovingGate}/${maxStaticGate}, the LD2410 has gates 0..8`);
  if (e.length < need) throw new SerialDecodeError('length', `engineering data of ${e.length} bytes, the gate counts need ${need}`);
  const movingGateEnergy = Array.from(e.subarray(2, 3 + maxMovingGate));
  const staticGateEnergy = Array.from(e.subarray(3 + maxMovingGate, need));
  return {
    maxMovingGate,
    maxStaticGate,
    movingGateEnergy,
    staticGateEnergy,
    light: e.length > need ? e[need]! : null,
    outPin: e.length > need + 1 ? e[need + 1]! : null,
  };
}

/** The report frame a radar sends for these fields (firmware-sim). */
export function encodeLd2410Report(f: Ld2410ReportFields): Uint8Array {
  const body: number[] = [f.engineering ? 0x01 : 0x02, 0xaa, f.targetState & 0xff];
  const u16 = (v: number): void => void body.push(v & 0xff, (v >> 8) & 0xff);
  u16(f.movingDistanceCm);
  body.push(f.movingEnergy & 0xff);
  u16(f.staticDistanceCm);
  body.push(f.staticEnergy & 0xff);
  u16(f.detectionDistanceCm);
  const e = f.engineering;
  if (e) {
    body.push(e.maxMovingGate, e.maxStaticGate, ...e.movingGateEnergy, ...e.staticGateEnergy);
    if (e.light !== null) body.push(e.light);
    if (e.light !== null && e.outPin !== null) body.push(e.outPin);
  }
  body.push(0x55, 0x00);
  return wrap(REPORT_HEAD, body, REPORT_TAIL);
}

/** A host command (`ack: false`) or the device's ACK of it (`ack: true`, with a status word). */
export function encodeLd2410Command(command: number, value: ArrayLike<number> = [], ack?: { status: number }): Uint8Array {
  const body: number[] = [command & 0xff, ack ? 0x01 : 0x00];
  if (ack) body.push(ack.status & 0xff, (ack.status >> 8) & 0xff);
  for (let i = 0; i < value.length; i++) body.push(value[i]! & 0xff);
  return wrap(COMMAND_HEAD, body, COMMAND_TAIL);
}

function wrap(head: readonly number[], body: number[], tail: readonly number[]): Uint8Array {
  return Uint8Array.from([...head, body.length & 0xff, (body.length >> 8) & 0xff, ...body, ...tail]);
}
