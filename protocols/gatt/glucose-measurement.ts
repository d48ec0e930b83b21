/**
 * Glucose Measurement 0x2A18 (Glucose Service, "GLS"; layout in the GATT Specification
 * Supplement, "GSS"). Stored records are fetched through the Record Access Control Point
 * (record-access-control-point.ts). docs/gatt.md.
 */
import { bit, bitNames, ByteReader, ByteWriter, isoDateTime, type DateTime } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import { GattEncodeError } from './errors.ts';
import { scaleDecimal, type MedFloat } from './ieee11073.ts';
import { medReading, type GattReading } from './readings.ts';

export const GLUCOSE_MEASUREMENT_UUID = 0x2a18;

/** [GSS Glucose Measurement, Type] 4-bit code; 0 and 11..15 reserved. Keyed by code. */
export const GLUCOSE_TYPES: Readonly<Record<number, string>> = {
  1: 'capillary-whole-blood',
  2: 'capillary-plasma',
  3: 'venous-whole-blood',
  4: 'venous-plasma',
  5: 'arterial-whole-blood',
  6: 'arterial-plasma',
  7: 'undetermined-whole-blood',
  8: 'undetermined-plasma',
  9: 'interstitial-fluid',
  10: 'control-solution',
};

/** [GSS Glucose Measurement, Sample Location] 4-bit code; 0 and 5..14 reserved. Keyed by code. */
export const GLUCOSE_SAMPLE_LOCATIONS: Readonly<Record<number, string>> = {
  1: 'finger',
  2: 'alternate-site-test',
  3: 'earlobe',
  4: 'control-solution',
  15: 'not-available',
};

/** [GSS Glucose Measurement, Sensor Status Annunciation] uint16; b12-b15 RFU. Keyed by bit number. */
export const GLUCOSE_SENSOR_STATUS: Readonly<Record<number, string>> = {
  0: 'device-battery-low',
  1: 'sensor-malfunction',
  2: 'sample-size-insufficient',
  3: 'strip-insertion-error',
  4: 'strip-type-incorrect',
  5: 'result-higher-than-device-can-process',
  6: 'result-lower-than-device-can-process',
  7: 'sensor-temperature-too-high',
  8: 'sensor-temperature-too-low',
  9: 'sensor-read-interrupted',
  10: 'general-device-fault',
  11: 'time-fault',
};

export interface GlucoseConcentration {
  unit: 'kg/L' | 'mol/L';
  value: MedFloat;
  /** 4-bit Type code (GLUCOSE_TYPES) */
  type: number;
  /** 4-bit Sample Location code (GLUCOSE_SAMPLE_LOCATIONS) */
  sampleLocation: number;
}

export interface GlucoseMeasurement {
  sequenceNumber: number;
  baseTime: DateTime;
  /** minutes to add to baseTime (signed) */
  timeOffset?: number;
  concentration?: GlucoseConcentration;
  /** raw uint16 Sensor Status Annunciation */
  sensorStatus?: number;
  /** a Glucose Measurement Context with the same sequence number follows */
  contextInformationFollows: boolean;
}

export interface GlucoseMeasurementDecoded extends GlucoseMeasurement {
  flags: number;
  baseTimeIso: string | null;
  /** base time + offset, when the base time is fully known */
  effectiveTimeIso: string | null;
  typeName?: string;
  sampleLocationName?: string;
  sensorStatusNames?: string[];
  readings: GattReading[];
}

/** Calendar arithmetic only (no clock): the base time shifted by `minutes`. */
function shiftIso(t: DateTime, minutes: number): string | null {
  if (t.year === null || t.month === null || t.day === null) return null;
  const ms = Date.UTC(t.year, t.month - 1, t.day, t.hours, t.minutes + minutes, t.seconds);
  return new Date(ms).toISOString().slice(0, 19);
}

export function decodeGlucoseMeasurement(bytes: Uint8Array): GlucoseMeasurementDecoded {
  const r = new ByteReader(bytes, GLUCOSE_MEASUREMENT_UUID);
  const flags = r.u8('flags');
  const sequenceNumber = r.u16('sequenceNumber');
  const baseTime = r.dateTime('baseTime');
  const out: GlucoseMeasurementDecoded = {
    flags,
    sequenceNumber,
    baseTime,
    baseTimeIso: isoDateTime(baseTime),
    effectiveTimeIso: isoDateTime(baseTime),
    contextInformationFollows: bit(flags, 4), // [GSS Glucose Measurement flags b4] Context Information Follows
    readings: [],
  };
  if (bit(flags, 0)) {
    out.timeOffset = r.s16('timeOffset'); // [GSS Glucose Measurement flags b0] Time Offset present (sint16 minutes)
    out.effectiveTimeIso = shiftIso(baseTime, out.timeOffset);
  }
  if (bit(flags, 1)) {
    // [GSS Glucose Measurement flags b1] Concentration, Type and Sample Location present;
    // [flags b2] their unit: 0 kg/L, 1 mol/L (b2 means nothing without b1).
    const unit = bit(flags, 2) ? 'mol/L' : 'kg/L';
    const value = r.sfloat('concentration');
    const typeLocation = r.u8('typeAndSampleLocation'); // Type in the low nibble, Sample Location in the high nibble
    out.concentration = { unit, value, type: typeLocation & 0x0f, sampleLocation: typeLocation >> 4 };
    out.typeName = GLUCOSE_TYPES[out.concentration.type] ?? 'reserved';
    out.sampleLocationName = GLUCOSE_SAMPLE_LOCATIONS[out.concentration.sampleLocation] ?? 'reserved';
  }
  if (bit(flags, 3)) {
    out.sensorStatus = r.u16('sensorStatus'); // [GSS Glucose Measurement flags b3] Sensor Status Annunciation present
    out.sensorStatusNames = bitNames(out.sensorStatus, GLUCOSE_SENSOR_STATUS);
  }
  r.end(); // b5-b7 RFU
  const c = out.concentration;
  // A control-solution test checks the meter, not the resident: it must not become a glucose reading.
  if (c && c.type !== 10 && c.sampleLocation !== 4) {
    out.readings.push(
      c.unit === 'kg/L'
        ? medReading('glucose', c.value, (n) => scaleDecimal(n.mantissa, n.exponent + 5)) // 1 kg/L = 10^5 mg/dL
        : medReading('glucose-molar', c.value, (n) => scaleDecimal(n.mantissa, n.exponent + 3)), // 1 mol/L = 10^3 mmol/L
    );
  }
  return out;
}

export function encodeGlucoseMeasurement(v: GlucoseMeasurement): Uint8Array {
  const c = v.concentration;
  const flags =
    (v.timeOffset !== undefined ? 1 : 0) |
    (c !== undefined ? 1 << 1 : 0) |
    (c?.unit === 'mol/L' ? 1 << 2 : 0) |
    (v.sensorStatus !== undefined ? 1 << 3 : 0) |
    (v.contextInformationFollows ? 1 << 4 : 0);
  const w = new ByteWriter().u8('flags', flags).u16('sequenceNumber', v.sequenceNumber).dateTime('baseTime', v.baseTime);
  if (v.timeOffset !== undefined) w.s16('timeOffset', v.timeOffset);
  if (c !== undefined) {
    if (!(c.type >= 0 && c.type <= 15 && c.sampleLocation >= 0 && c.sampleLocation <= 15)) throw new GattEncodeError('typeAndSampleLocation', 'each is a 4-bit code');
    w.sfloat('concentration', c.value).u8('typeAndSampleLocation', (c.sampleLocation << 4) | c.type);
  }
  if (v.sensorStatus !== undefined) w.u16('sensorStatus', v.sensorStatus);
  return w.bytes();
}

export const glucoseMeasurement: GattCodec<GlucoseMeasurement, GlucoseMeasurementDecoded> = {
  uuid: GLUCOSE_MEASUREMENT_UUID,
  id: 'glucose-measurement',
  name: 'Glucose Measurement',
  decode: decodeGlucoseMeasurement,
  encode: encodeGlucoseMeasurement,
};
