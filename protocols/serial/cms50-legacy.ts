/**
 * Contec CMS50-class oximeters, legacy protocol (firmware up to about 4.5): 5-byte live frames at
 * 19200 baud 8O1, about 60 frames/s, sent unasked. Byte 1 has bit 7 set (sync), bytes 2..5 have it
 * clear; that pattern is the only framing there is.
 * Source: atbrask/CMS50Dplus, cms50dplus/cms50dplus.py and unittests.py (BSD-3-Clause).
 */
import { SerialDecodeError } from './errors.ts';
import type { DeviceStatus, SerialReading, SerialState } from './readings.ts';
import { judge } from './cms50-status.ts';
import { SerialFramer, type FrameSpec, type FramerOptions } from './framer.ts';

export const CMS50_LEGACY_FRAME_LENGTH = 5;

/** 19200 8O1; atbrask's driver also enables XON/XOFF. */
export const CMS50_LEGACY_LINE = { baudRate: 19200, dataBits: 8, parity: 'odd', stopBits: 1, xon: true, xoff: true } as const;

/** The fields of one live frame, as sent (raw, before any validity judgement). */
export interface Cms50LegacyFields {
  /** Byte 1 bits 3..0, 0–15. */
  signalStrength: number;
  /** Byte 1 bit 6. */
  pulseBeep: boolean;
  /** Byte 1 bit 5 ("dropping SpO2"). */
  lowSpo2: boolean;
  /** Byte 1 bit 4: atbrask calls it "finger out", the V7.0 document "searching time too long" for the same bit. */
  searchingTooLong: boolean;
  /** Byte 2 bits 6..0, 0–127. */
  pleth: number;
  /** Byte 3 bit 5. */
  searching: boolean;
  /** Byte 3 bit 4. */
  probeError: boolean;
  /** Byte 3 bits 3..0, 0–15. */
  barGraph: number;
  /** ((byte 3 bit 6) << 7) | byte 4 bits 6..0, 0–255. */
  pulseRate: number;
  /** Byte 5 bits 6..0, 0–127 (127 = invalid). */
  spo2: number;
}

export interface Cms50LegacySample extends Cms50LegacyFields {
  protocol: 'legacy';
  status: DeviceStatus;
  states: SerialState[];
  readings: SerialReading[];
}

export type Cms50LegacyRejectCode = 'sync';

/** Frame spec: a byte with bit 7 set, then four with bit 7 clear. */
export const CMS50_LEGACY_SPEC: FrameSpec<Cms50LegacyRejectCode> = {
  codes: ['sync'],
  findStart(buf, from, end) {
    for (let i = from; i < end; i++) if (buf[i]! & 0x80) return i;
    return -1;
  },
  check(buf, start, end) {
    for (let i = 1; i < CMS50_LEGACY_FRAME_LENGTH; i++) {
      if (start + i >= end) return 'more';
      // A set bit 7 here is the start of the next frame: drop what came before it, resume there.
      if (buf[start + i]! & 0x80) return { reject: 'sync', skip: i };
    }
    return { frame: CMS50_LEGACY_FRAME_LENGTH };
  },
};

export function createCms50LegacyFramer(options?: FramerOptions<Cms50LegacyRejectCode>): SerialFramer<Cms50LegacyRejectCode> {
  return new SerialFramer(CMS50_LEGACY_SPEC, options);
}

export function decodeCms50Legacy(bytes: Uint8Array): Cms50LegacySample {
  if (bytes.length !== CMS50_LEGACY_FRAME_LENGTH) throw new SerialDecodeError('length', `${bytes.length} bytes, a legacy frame has 5`);
  // [atbrask unittests.py] only bit-7 pattern 1,0,0,0,0 is a frame.
  for (let i = 0; i < 5; i++) {
    if (((bytes[i]! & 0x80) !== 0) !== (i === 0)) throw new SerialDecodeError('sync', `byte ${i + 1} bit 7 is ${(bytes[i]! >> 7) & 1}`);
  }
  const b1 = bytes[0]!;
  const b3 = bytes[2]!;
  const fields: Cms50LegacyFields & { protocol: 'legacy' } = {
    protocol: 'legacy',
    signalStrength: b1 & 0x0f,
    pulseBeep: (b1 & 0x40) !== 0,
    lowSpo2: (b1 & 0x20) !== 0,
    searchingTooLong: (b1 & 0x10) !== 0,
    pleth: bytes[1]! & 0x7f,
    searching: (b3 & 0x20) !== 0,
    probeError: (b3 & 0x10) !== 0,
    barGraph: b3 & 0x0f,
    // Bit 7 of the pulse rate travels in byte 3 bit 6 [atbrask cms50dplus.py].
    pulseRate: ((b3 & 0x40) << 1) | (bytes[3]! & 0x7f),
    spo2: bytes[4]! & 0x7f,
  };
  return judge(fields);
}

/** The 5 bytes a device sends for these fields (used by firmware-sim and the round-trip tests). */
export function encodeCms50Legacy(f: Cms50LegacyFields): Uint8Array {
  return Uint8Array.of(
    0x80 | (f.pulseBeep ? 0x40 : 0) | (f.lowSpo2 ? 0x20 : 0) | (f.searchingTooLong ? 0x10 : 0) | (f.signalStrength & 0x0f),
    f.pleth & 0x7f,
    ((f.pulseRate >> 1) & 0x40) | (f.searching ? 0x20 : 0) | (f.probeError ? 0x10 : 0) | (f.barGraph & 0x0f),
    f.pulseRate & 0x7f,
    f.spo2 & 0x7f,
  );
}
