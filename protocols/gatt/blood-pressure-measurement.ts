/**
 * Blood Pressure Measurement 0x2A35 (Blood Pressure Service, "BLS"; field layout in the GATT
 * Specification Supplement, "GSS"). Intermediate Cuff Pressure 0x2A36 shares the layout
 * (intermediate-cuff-pressure.ts). docs/gatt.md.
 */
import { bit, ByteReader, ByteWriter, isoDateTime, type DateTime } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import type { MedFloat, MedNumber } from './ieee11073.ts';
import { kPaToMmHg, medReading, type GattReading } from './readings.ts';

export const BLOOD_PRESSURE_MEASUREMENT_UUID = 0x2a35;

export type PressureUnit = 'mmHg' | 'kPa';

/** Optional trailing fields shared by 0x2A35 and 0x2A36. */
export interface BloodPressureExtras {
  timestamp?: DateTime;
  /** beats per minute */
  pulseRate?: MedFloat;
  /** 0..254; 255 = unknown user [BLS, User ID] */
  userId?: number;
  /** raw 16-bit Measurement Status */
  measurementStatus?: number;
}

export interface BloodPressureMeasurement extends BloodPressureExtras {
  unit: PressureUnit;
  systolic: MedFloat;
  diastolic: MedFloat;
  meanArterialPressure: MedFloat;
}

export type PulseRateRange = 'within' | 'above-upper' | 'below-lower' | 'reserved';

export interface MeasurementStatus {
  bodyMovement: boolean;
  cuffTooLoose: boolean;
  irregularPulse: boolean;
  pulseRateRange: PulseRateRange;
  improperPosition: boolean;
}

export interface BloodPressureDecodedExtras {
  flags: number;
  timestampIso?: string | null;
  status?: MeasurementStatus;
  readings: GattReading[];
}

export type BloodPressureMeasurementDecoded = BloodPressureMeasurement & BloodPressureDecodedExtras;

const RANGES: readonly PulseRateRange[] = ['within', 'above-upper', 'below-lower', 'reserved'];

/** [GSS BPM Measurement Status] b0 body movement, b1 cuff fit (too loose), b2 irregular pulse, b3-b4 pulse rate range, b5 improper measurement position; b6-b15 RFU. */
export function decodeMeasurementStatus(raw: number): MeasurementStatus {
  return {
    bodyMovement: bit(raw, 0),
    cuffTooLoose: bit(raw, 1),
    irregularPulse: bit(raw, 2),
    pulseRateRange: RANGES[(raw >> 3) & 0b11]!, // 0 within, 1 exceeds upper limit, 2 below lower limit, 3 reserved
    improperPosition: bit(raw, 5),
  };
}

export function encodeMeasurementStatus(s: MeasurementStatus): number {
  return (+s.bodyMovement) | (+s.cuffTooLoose << 1) | (+s.irregularPulse << 2) | (RANGES.indexOf(s.pulseRateRange) << 3) | (+s.improperPosition << 5);
}

/** The common frame of 0x2A35/0x2A36: flags, three SFLOAT pressures, then the flagged extras. */
export function decodePressureFrame(bytes: Uint8Array, uuid: number): { flags: number; unit: PressureUnit; pressures: [MedFloat, MedFloat, MedFloat]; extras: BloodPressureExtras & Omit<BloodPressureDecodedExtras, 'flags' | 'readings'> } {
  const r = new ByteReader(bytes, uuid);
  const flags = r.u8('flags');
  const unit: PressureUnit = bit(flags, 0) ? 'kPa' : 'mmHg'; // [GSS BPM flags b0] 0 mmHg, 1 kPa
  const pressures: [MedFloat, MedFloat, MedFloat] = [r.sfloat('systolic'), r.sfloat('diastolic'), r.sfloat('meanArterialPressure')];
  const extras: BloodPressureExtras & { timestampIso?: string | null; status?: MeasurementStatus } = {};
  if (bit(flags, 1)) {
    extras.timestamp = r.dateTime('timestamp'); // [GSS BPM flags b1] Time Stamp present
    extras.timestampIso = isoDateTime(extras.timestamp);
  }
  if (bit(flags, 2)) extras.pulseRate = r.sfloat('pulseRate'); // [GSS BPM flags b2] Pulse Rate present (SFLOAT, /min)
  if (bit(flags, 3)) extras.userId = r.u8('userId'); // [GSS BPM flags b3] User ID present
  if (bit(flags, 4)) {
    extras.measurementStatus = r.u16('measurementStatus'); // [GSS BPM flags b4] Measurement Status present
    extras.status = decodeMeasurementStatus(extras.measurementStatus);
  }
  r.end(); // b5-b7 are RFU: ignored, but no field may follow
  return { flags, unit, pressures, extras };
}

export function encodePressureFrame(unit: PressureUnit, pressures: [MedFloat, MedFloat, MedFloat], x: BloodPressureExtras): Uint8Array {
  const flags =
    (unit === 'kPa' ? 1 : 0) |
    (x.timestamp !== undefined ? 1 << 1 : 0) |
    (x.pulseRate !== undefined ? 1 << 2 : 0) |
    (x.userId !== undefined ? 1 << 3 : 0) |
    (x.measurementStatus !== undefined ? 1 << 4 : 0);
  const w = new ByteWriter().u8('flags', flags).sfloat('systolic', pressures[0]).sfloat('diastolic', pressures[1]).sfloat('meanArterialPressure', pressures[2]);
  if (x.timestamp !== undefined) w.dateTime('timestamp', x.timestamp);
  if (x.pulseRate !== undefined) w.sfloat('pulseRate', x.pulseRate);
  if (x.userId !== undefined) w.u8('userId', x.userId);
  if (x.measurementStatus !== undefined) w.u16('measurementStatus', x.measurementStatus);
  return w.bytes();
}

export function pressureConverter(unit: PressureUnit): ((n: MedNumber) => number) | undefined {
  return unit === 'kPa' ? (n) => kPaToMmHg(n.value) : undefined;
}

export function decodeBloodPressureMeasurement(bytes: Uint8Array): BloodPressureMeasurementDecoded {
  const { flags, unit, pressures, extras } = decodePressureFrame(bytes, BLOOD_PRESSURE_MEASUREMENT_UUID);
  const convert = pressureConverter(unit);
  const readings = [
    medReading('systolic-bp', pressures[0], convert),
    medReading('diastolic-bp', pressures[1], convert),
    medReading('mean-bp', pressures[2], convert),
  ];
  if (extras.pulseRate) readings.push(medReading('heart-rate', extras.pulseRate));
  return { flags, unit, systolic: pressures[0], diastolic: pressures[1], meanArterialPressure: pressures[2], ...extras, readings };
}

export function encodeBloodPressureMeasurement(v: BloodPressureMeasurement): Uint8Array {
  return encodePressureFrame(v.unit, [v.systolic, v.diastolic, v.meanArterialPressure], v);
}

export const bloodPressureMeasurement: GattCodec<BloodPressureMeasurement, BloodPressureMeasurementDecoded> = {
  uuid: BLOOD_PRESSURE_MEASUREMENT_UUID,
  id: 'blood-pressure-measurement',
  name: 'Blood Pressure Measurement',
  decode: decodeBloodPressureMeasurement,
  encode: encodeBloodPressureMeasurement,
};
