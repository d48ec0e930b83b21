/**
 * Heart Rate Measurement 0x2A37 (Heart Rate Service; field layout in the GATT Specification
 * Supplement, "GSS" below). docs/gatt.md.
 */
import { bit, ByteReader, ByteWriter } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import { plainReading, type GattReading } from './readings.ts';

export const HEART_RATE_MEASUREMENT_UUID = 0x2a37;

export type SensorContact = 'not-supported' | 'not-detected' | 'detected';

export interface HeartRateMeasurement {
  /** beats per minute */
  heartRate: number;
  /** wire width of the value; the encoder picks uint8 when absent and the value fits */
  format?: 'uint8' | 'uint16';
  sensorContact: SensorContact;
  /** kJ since the last reset (absent = field not sent) */
  energyExpended?: number;
  /** RR-intervals, raw in 1/1024 s, oldest first (absent = field not sent) */
  rrIntervals?: number[];
}

export interface HeartRateMeasurementDecoded extends HeartRateMeasurement {
  flags: number;
  format: 'uint8' | 'uint16';
  /** the RR-intervals in seconds */
  rrIntervalsSeconds?: number[];
  readings: GattReading[];
}

export function decodeHeartRateMeasurement(bytes: Uint8Array): HeartRateMeasurementDecoded {
  const r = new ByteReader(bytes, HEART_RATE_MEASUREMENT_UUID);
  const flags = r.u8('flags');
  const format = bit(flags, 0) ? 'uint16' : 'uint8'; // [GSS HRM flags b0] Heart Rate Value Format: 0 uint8, 1 uint16
  const heartRate = format === 'uint16' ? r.u16('heartRate') : r.u8('heartRate');
  // [GSS HRM flags b1-b2] Sensor Contact Status: 0b00 and 0b01 not supported, 0b10 supported but
  // not detected, 0b11 detected. b1 alone means nothing [HRS, Sensor Contact].
  const contactBits = (flags >> 1) & 0b11;
  const sensorContact: SensorContact = contactBits === 0b11 ? 'detected' : contactBits === 0b10 ? 'not-detected' : 'not-supported';
  const out: HeartRateMeasurementDecoded = { flags, format, heartRate, sensorContact, readings: [plainReading('heart-rate', heartRate)] };
  if (bit(flags, 3)) {
    // [GSS HRM flags b3] Energy Expended Status: uint16 kJ follows; stays at 0xFFFF once reached [HRS, Energy Expended].
    out.energyExpended = r.u16('energyExpended');
    out.readings.push(plainReading('energy-expended', out.energyExpended));
  }
  if (bit(flags, 4)) {
    // [GSS HRM flags b4] RR-Interval present: one or more uint16, resolution 1/1024 s, to the end.
    const rr: number[] = [r.u16('rrIntervals[0]')];
    while (r.remaining > 0) rr.push(r.u16(`rrIntervals[${rr.length}]`));
    out.rrIntervals = rr;
    out.rrIntervalsSeconds = rr.map((v) => v / 1024);
    for (const s of out.rrIntervalsSeconds) out.readings.push(plainReading('rr-interval', s));
  }
  r.end();
  return out;
}

export function encodeHeartRateMeasurement(v: HeartRateMeasurement): Uint8Array {
  const format = v.format ?? (v.heartRate > 0xff ? 'uint16' : 'uint8');
  const contact = v.sensorContact === 'detected' ? 0b11 : v.sensorContact === 'not-detected' ? 0b10 : 0b00;
  const hasRr = v.rrIntervals !== undefined && v.rrIntervals.length > 0;
  const flags = (format === 'uint16' ? 1 : 0) | (contact << 1) | (v.energyExpended !== undefined ? 1 << 3 : 0) | (hasRr ? 1 << 4 : 0);
  const w = new ByteWriter().u8('flags', flags);
  if (format === 'uint16') w.u16('heartRate', v.heartRate);
  else w.u8('heartRate', v.heartRate);
  if (v.energyExpended !== undefined) w.u16('energyExpended', v.energyExpended);
  if (hasRr) v.rrIntervals!.forEach((x, i) => w.u16(`rrIntervals[${i}]`, x));
  return w.bytes();
}

export const heartRateMeasurement: GattCodec<HeartRateMeasurement, HeartRateMeasurementDecoded> = {
  uuid: HEART_RATE_MEASUREMENT_UUID,
  id: 'heart-rate-measurement',
  name: 'Heart Rate Measurement',
  decode: decodeHeartRateMeasurement,
  encode: encodeHeartRateMeasurement,
};
