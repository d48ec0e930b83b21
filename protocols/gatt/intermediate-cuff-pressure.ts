/**
 * Intermediate Cuff Pressure 0x2A36 (Blood Pressure Service, "BLS"): the cuff pressure while a
 * measurement runs, in the Blood Pressure Measurement layout. docs/gatt.md.
 *
 * It yields no readings: a cuff pressure on its way up is progress, not a blood pressure, and
 * must not land in a resident's vitals.
 */
import { decodePressureFrame, encodePressureFrame, type BloodPressureDecodedExtras, type BloodPressureExtras, type PressureUnit } from './blood-pressure-measurement.ts';
import type { GattCodec } from './codec.ts';
import type { MedFloat } from './ieee11073.ts';

export const INTERMEDIATE_CUFF_PRESSURE_UUID = 0x2a36;

export interface IntermediateCuffPressure extends BloodPressureExtras {
  unit: PressureUnit;
  /** the current cuff pressure, sent in the systolic field [BLS, Intermediate Cuff Pressure] */
  cuffPressure: MedFloat;
}

export type IntermediateCuffPressureDecoded = IntermediateCuffPressure & BloodPressureDecodedExtras;

const NAN: MedFloat = { kind: 'nan' };

export function decodeIntermediateCuffPressure(bytes: Uint8Array): IntermediateCuffPressureDecoded {
  const { flags, unit, pressures, extras } = decodePressureFrame(bytes, INTERMEDIATE_CUFF_PRESSURE_UUID);
  // [BLS, Intermediate Cuff Pressure] the diastolic and MAP fields are unused (sent as NaN); they
  // are read for the length and otherwise ignored, whatever a device puts there.
  return { flags, unit, cuffPressure: pressures[0], ...extras, readings: [] };
}

export function encodeIntermediateCuffPressure(v: IntermediateCuffPressure): Uint8Array {
  return encodePressureFrame(v.unit, [v.cuffPressure, NAN, NAN], v);
}

export const intermediateCuffPressure: GattCodec<IntermediateCuffPressure, IntermediateCuffPressureDecoded> = {
  uuid: INTERMEDIATE_CUFF_PRESSURE_UUID,
  id: 'intermediate-cuff-pressure',
  name: 'Intermediate Cuff Pressure',
  decode: decodeIntermediateCuffPressure,
  encode: encodeIntermediateCuffPressure,
};
