/**
 * Contec CMS50-class oximeters, the vendor's V7.0 protocol (CMS50D+ firmware 4.6+, CMS50E, CMS60C):
 * 115200 baud 8N1. Every packet is [type][high byte][payload …]; the type byte has bit 7 clear and
 * every other byte has it set, so the seven payload bytes travel as 7-bit values and the high byte
 * carries their bit 7s (bit k-1 of the high byte is bit 7 of payload byte k).
 * Source: "Communication Protocol of Pulse Oximeter V7.0", Contec Medical Systems, 2010-07-08
 * (the PDF as stored in gagistech/bedsidemon, doc/contec_cms50x/).
 */
import { SerialDecodeError } from './errors.ts';
import { judge } from './cms50-status.ts';
import { reading, type DeviceStatus, type SerialReading, type SerialState } from './readings.ts';
import { SerialFramer, type FrameSpec, type FramerOptions } from './framer.ts';

export const CMS50_V7_LINE = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } as const;

/** [V7.0] uplink packet types → total packet length in bytes (type and high byte included). */
export const CMS50_V7_UPLINK_LENGTHS: Readonly<Record<number, number>> = {
  0x01: 9, // real-time data, 60 packets/s
  0x04: 9, // device id string
  0x05: 9, // user info
  0x07: 8, // storage start date
  0x08: 8, // storage length
  0x09: 6, // storage data with PI
  0x0a: 4, // segment count
  0x0b: 4, // command feedback
  0x0c: 2, // free/idle feedback
  0x0d: 3, // disconnect notice
  0x0e: 3, // PI support
  0x0f: 8, // storage data without PI (three SpO2/PR pairs)
  0x10: 3, // user count
  0x11: 9, // device notice
  0x12: 8, // storage start time
  0x15: 9, // storage identifiers
};

/** [V7.0] downlink (host → device) packet types: set device id, control command. */
export const CMS50_V7_DOWNLINK_LENGTHS: Readonly<Record<number, number>> = { 0x04: 9, 0x7d: 9 };

/** [V7.0] control commands (payload byte 1 of a 0x7D packet). */
export const CMS50_V7_COMMANDS = {
  startRealTime: 0xa1,
  stopRealTime: 0xa2,
  storageSegmentCount: 0xa3,
  storageLength: 0xa4,
  storageStartTime: 0xa5,
  storageData: 0xa6,
  stopStorage: 0xa7,
  deviceId: 0xaa,
  userInfo: 0xab,
  piSupport: 0xac,
  userCount: 0xad,
  deleteStorage: 0xae,
  /** "Inform device being connected": the vendor asks for one every 5 s. */
  keepAlive: 0xaf,
  storageIdentifiers: 0xb0,
  syncTime: 0xb1,
  syncDate: 0xb2,
} as const;

export type Cms50V7RejectCode = 'sync' | 'unknown-type';

/** Frame spec over a type → length table: the type byte (bit 7 clear), then length-1 bytes with bit 7 set. */
export function cms50V7Spec(lengths: Readonly<Record<number, number>> = CMS50_V7_UPLINK_LENGTHS): FrameSpec<Cms50V7RejectCode> {
  return {
    codes: ['sync', 'unknown-type'],
    findStart(buf, from, end) {
      for (let i = from; i < end; i++) if ((buf[i]! & 0x80) === 0) return i;
      return -1;
    },
    check(buf, start, end) {
      const length = lengths[buf[start]!];
      if (length === undefined) return { reject: 'unknown-type', skip: 1 };
      for (let i = 1; i < length; i++) {
        if (start + i >= end) return 'more';
        // A clear bit 7 inside a packet is the next packet's type byte: resume there.
        if ((buf[start + i]! & 0x80) === 0) return { reject: 'sync', skip: i };
      }
      return { frame: length };
    },
  };
}

const UPLINK_SPEC = cms50V7Spec();
const DOWNLINK_SPEC = cms50V7Spec(CMS50_V7_DOWNLINK_LENGTHS);

/** Framer for what the oximeter sends (or, with direction 'downlink', for what a host sends: firmware-sim's side). */
export function createCms50V7Framer(options: FramerOptions<Cms50V7RejectCode> & { direction?: 'uplink' | 'downlink' } = {}): SerialFramer<Cms50V7RejectCode> {
  return new SerialFramer(options.direction === 'downlink' ? DOWNLINK_SPEC : UPLINK_SPEC, options);
}

/** A packet with its payload bytes restored to 8 bits. */
export interface Cms50V7Packet {
  type: number;
  payload: Uint8Array;
}

/** Check the bit-7 pattern and restore the payload's bit 7s from the high byte. */
export function unpackCms50V7(bytes: Uint8Array, lengths: Readonly<Record<number, number>> = CMS50_V7_UPLINK_LENGTHS): Cms50V7Packet {
  if (bytes.length < 2) throw new SerialDecodeError('length', `${bytes.length} bytes, a V7.0 packet has at least 2`);
  const type = bytes[0]!;
  if (type & 0x80) throw new SerialDecodeError('sync', `type byte 0x${type.toString(16)} has bit 7 set`);
  const expected = lengths[type];
  if (expected === undefined) throw new SerialDecodeError('unknown-type', `type 0x${type.toString(16)}`);
  if (bytes.length !== expected) throw new SerialDecodeError('length', `type 0x${type.toString(16)} is ${expected} bytes, got ${bytes.length}`);
  for (let i = 1; i < bytes.length; i++) {
    if ((bytes[i]! & 0x80) === 0) throw new SerialDecodeError('sync', `byte ${i} has bit 7 clear`);
  }
  const hi = bytes[1]!;
  const payload = new Uint8Array(bytes.length - 2);
  // Payload byte k (1-based) sits at offset k+1; its bit 7 is bit k-1 of the high byte. (Adding 127
  // instead of 128 for that bit, as one open-source reader does, corrupts every value ≥ 128.)
  for (let k = 0; k < payload.length; k++) payload[k] = (bytes[k + 2]! & 0x7f) | (((hi >> k) & 1) << 7);
  return { type, payload };
}

/** Pack a payload (≤ 7 bytes, each 0–255) into a V7.0 packet. */
export function packCms50V7(type: number, payload: ArrayLike<number>): Uint8Array {
  if (payload.length > 7) throw new RangeError(`a V7.0 payload holds at most 7 bytes, got ${payload.length}`);
  const out = new Uint8Array(payload.length + 2);
  out[0] = type & 0x7f;
  let hi = 0x80;
  for (let k = 0; k < payload.length; k++) {
    const b = payload[k]! & 0xff;
    if (b & 0x80) hi |= 1 << k;
    out[k + 2] = 0x80 | (b & 0x7f);
  }
  out[1] = hi;
  return out;
}

/** The fields of one real-time (0x01) packet as sent. */
export interface Cms50V7RealTimeFields {
  /** Payload 1 bits 3..0; the document says 0–8, values above 8 mean 8 (kept as sent here). */
  signalStrength: number;
  /** Payload 1 bit 4. */
  searchingTooLong: boolean;
  /** Payload 1 bit 5. */
  lowSpo2: boolean;
  /** Payload 1 bit 6. */
  pulseBeep: boolean;
  /** Payload 1 bit 7: the waveform then reads 0x40 and the display shows "finger out". */
  probeError: boolean;
  /** Payload 2 bits 6..0. */
  pleth: number;
  /** Payload 2 bit 7: searching for a pulse. */
  searching: boolean;
  /** Payload 3 bits 3..0. */
  barGraph: number;
  /** Payload 3 bit 4: PI data invalid. */
  piInvalid: boolean;
  /** Payload 4, 0–254 bpm; 0xFF = invalid. */
  pulseRate: number;
  /** Payload 5, 0–100 %; 0x7F = invalid. */
  spo2: number;
  /** Payload 6 (low) and 7 (high): PI × 100; 0xFFFF = invalid. */
  piRaw: number;
}

export interface Cms50V7RealTime extends Cms50V7RealTimeFields {
  protocol: 'v7';
  type: 0x01;
  status: DeviceStatus;
  states: SerialState[];
  readings: SerialReading[];
}

/** Any other uplink packet: its type and restored payload (the hub does not act on them yet). */
export interface Cms50V7Other {
  protocol: 'v7';
  type: number;
  payload: Uint8Array;
  states: SerialState[];
  readings: SerialReading[];
}

export function decodeCms50V7(bytes: Uint8Array): Cms50V7RealTime | Cms50V7Other {
  const { type, payload } = unpackCms50V7(bytes);
  if (type !== 0x01) return { protocol: 'v7', type, payload, states: [], readings: [] };
  const p0 = payload[0]!;
  const p1 = payload[1]!;
  const p2 = payload[2]!;
  const fields: Cms50V7RealTimeFields & { protocol: 'v7'; type: 0x01 } = {
    protocol: 'v7',
    type: 0x01,
    signalStrength: p0 & 0x0f,
    searchingTooLong: (p0 & 0x10) !== 0,
    lowSpo2: (p0 & 0x20) !== 0,
    pulseBeep: (p0 & 0x40) !== 0,
    probeError: (p0 & 0x80) !== 0,
    pleth: p1 & 0x7f,
    searching: (p1 & 0x80) !== 0,
    barGraph: p2 & 0x0f,
    piInvalid: (p2 & 0x10) !== 0,
    pulseRate: payload[3]!,
    spo2: payload[4]!,
    piRaw: payload[5]! | (payload[6]! << 8),
  };
  const extra: SerialReading[] = [];
  // PI × 100, 0.00–22.0 %; the PLX "pulse amplitude index" is the same quantity.
  if (!fields.piInvalid && fields.piRaw !== 0xffff && fields.piRaw <= 2200) extra.push(reading('pulse-amplitude-index', fields.piRaw / 100));
  return judge(fields, extra);
}

export function encodeCms50V7RealTime(f: Cms50V7RealTimeFields): Uint8Array {
  return packCms50V7(0x01, [
    (f.probeError ? 0x80 : 0) | (f.pulseBeep ? 0x40 : 0) | (f.lowSpo2 ? 0x20 : 0) | (f.searchingTooLong ? 0x10 : 0) | (f.signalStrength & 0x0f),
    (f.searching ? 0x80 : 0) | (f.pleth & 0x7f),
    (f.piInvalid ? 0x10 : 0) | (f.barGraph & 0x0f),
    f.pulseRate & 0xff,
    f.spo2 & 0xff,
    f.piRaw & 0xff,
    (f.piRaw >> 8) & 0xff,
  ]);
}

/** A host control command: `7D 81 <cmd> 80 80 80 80 80 80` for a command without arguments. */
export function encodeCms50V7Command(command: number, args: ArrayLike<number> = []): Uint8Array {
  const payload = new Uint8Array(7); // unused bytes are 0x00, "adjusted to 0x80 after packaging" [V7.0]
  payload[0] = command;
  for (let i = 0; i < Math.min(6, args.length); i++) payload[i + 1] = args[i]!;
  return packCms50V7(0x7d, payload);
}
