/**
 * Current Time 0x2A2B (Current Time Service, "CTS"; layout in the GATT Specification Supplement,
 * "GSS"): Exact Time 256 (Day Date Time + Fractions256) then Adjust Reason. docs/gatt.md.
 */
import { bitNames, ByteReader, ByteWriter, isoDateTime, type DateTime } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import type { GattReading } from './readings.ts';

export const CURRENT_TIME_UUID = 0x2a2b;

/** [GSS Day of Week] 1 Monday .. 7 Sunday; 0 unknown; 8..255 reserved. Keyed by code. */
const DAYS: Readonly<Record<number, string>> = { 1: 'monday', 2: 'tuesday', 3: 'wednesday', 4: 'thursday', 5: 'friday', 6: 'saturday', 7: 'sunday' };
/** [GSS Adjust Reason] bits; b4-b7 RFU. Keyed by bit number. */
const ADJUST_REASONS: Readonly<Record<number, string>> = {
  0: 'manual-time-update',
  1: 'external-reference-time-update',
  2: 'change-of-time-zone',
  3: 'change-of-dst',
};

export interface CurrentTime {
  dateTime: DateTime;
  /** 1 Monday .. 7 Sunday, null = unknown */
  dayOfWeek: number | null;
  /** 1/256 s */
  fractions256: number;
  /** raw Adjust Reason bits */
  adjustReason: number;
}

export interface CurrentTimeDecoded extends CurrentTime {
  iso: string | null;
  dayOfWeekName: string | null;
  adjustReasonNames: string[];
  readings: GattReading[];
}

export function decodeCurrentTime(bytes: Uint8Array): CurrentTimeDecoded {
  const r = new ByteReader(bytes, CURRENT_TIME_UUID);
  const dt = r.dateTime('dateTime');
  const day = r.u8('dayOfWeek');
  if (day > 7) throw r.outOfRange('dayOfWeek', `${day} (0 unknown, 1..7 Monday..Sunday)`);
  const fractions256 = r.u8('fractions256');
  const adjustReason = r.u8('adjustReason');
  r.end();
  return {
    dateTime: dt,
    dayOfWeek: day || null,
    fractions256,
    adjustReason,
    iso: isoDateTime(dt),
    dayOfWeekName: DAYS[day] ?? null,
    adjustReasonNames: bitNames(adjustReason, ADJUST_REASONS),
    readings: [],
  };
}

export function encodeCurrentTime(v: CurrentTime): Uint8Array {
  return new ByteWriter()
    .dateTime('dateTime', v.dateTime)
    .u8('dayOfWeek', v.dayOfWeek ?? 0)
    .u8('fractions256', v.fractions256)
    .u8('adjustReason', v.adjustReason)
    .bytes();
}

export const currentTime: GattCodec<CurrentTime, CurrentTimeDecoded> = {
  uuid: CURRENT_TIME_UUID,
  id: 'current-time',
  name: 'Current Time',
  decode: decodeCurrentTime,
  encode: encodeCurrentTime,
};
