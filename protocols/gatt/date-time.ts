/**
 * Date Time 0x2A08 (GATT Specification Supplement, "GSS"): year, month, day, hours, minutes,
 * seconds; a 0 in year, month or day means "not known" and decodes to null. The same 7 bytes are
 * the timestamp of most health measurements (ByteReader.dateTime). docs/gatt.md.
 */
import { ByteReader, ByteWriter, isoDateTime, type DateTime } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import type { GattReading } from './readings.ts';

export const DATE_TIME_UUID = 0x2a08;

export interface DateTimeDecoded extends DateTime {
  iso: string | null;
  readings: GattReading[];
}

export function decodeDateTime(bytes: Uint8Array): DateTimeDecoded {
  const r = new ByteReader(bytes, DATE_TIME_UUID);
  const t = r.dateTime('dateTime');
  r.end();
  return { ...t, iso: isoDateTime(t), readings: [] };
}

export function encodeDateTime(v: DateTime): Uint8Array {
  return new ByteWriter().dateTime('dateTime', v).bytes();
}

export const dateTime: GattCodec<DateTime, DateTimeDecoded> = {
  uuid: DATE_TIME_UUID,
  id: 'date-time',
  name: 'Date Time',
  decode: decodeDateTime,
  encode: encodeDateTime,
};
