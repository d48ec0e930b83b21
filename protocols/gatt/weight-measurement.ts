/**
 * Weight Measurement 0x2A9D (Weight Scale Service, "WSS"; layout in the GATT Specification
 * Supplement, "GSS"). docs/gatt.md.
 */
import { bit, ByteReader, ByteWriter, isoDateTime, type DateTime } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import { GattEncodeError } from './errors.ts';
import { inchToCm, plainReading, poundToKg, tidy, type GattReading } from './readings.ts';

export const WEIGHT_MEASUREMENT_UUID = 0x2a9d;

/** [WSS, Weight] a weight of 0xFFFF means "measurement unsuccessful". */
const UNSUCCESSFUL = 0xffff;

// [GSS Weight Measurement] resolutions: weight 0.005 kg or 0.01 lb; height 0.001 m or 0.1 in; BMI 0.1 kg/m2.
// Values are raw × (numerator / denominator) so each decodes with one rounding.
const WEIGHT_RES = { SI: [5, 1000], imperial: [1, 100] } as const;
const HEIGHT_RES = { SI: [1, 1000], imperial: [1, 10] } as const;

export type WeightUnits = 'SI' | 'imperial';

export interface WeightMeasurement {
  units: WeightUnits;
  /** kg (SI) or lb (imperial); null = measurement unsuccessful */
  weight: number | null;
  timestamp?: DateTime;
  /** 0..254; 255 = unknown user */
  userId?: number;
  /** kg/m2; sent together with height */
  bmi?: number;
  /** m (SI) or in (imperial); sent together with BMI */
  height?: number;
}

export interface WeightMeasurementDecoded extends WeightMeasurement {
  flags: number;
  weightUnit: 'kg' | '[lb_av]';
  heightUnit?: 'm' | '[in_i]';
  timestampIso?: string | null;
  readings: GattReading[];
}

const scaled = (raw: number, [num, den]: readonly [number, number]) => (raw * num) / den;

export function decodeWeightMeasurement(bytes: Uint8Array): WeightMeasurementDecoded {
  const r = new ByteReader(bytes, WEIGHT_MEASUREMENT_UUID);
  const flags = r.u8('flags');
  const units: WeightUnits = bit(flags, 0) ? 'imperial' : 'SI'; // [GSS Weight Measurement flags b0] 0 SI (kg, m), 1 imperial (lb, in)
  const rawWeight = r.u16('weight');
  const weight = rawWeight === UNSUCCESSFUL ? null : scaled(rawWeight, WEIGHT_RES[units]);
  const out: WeightMeasurementDecoded = { flags, units, weightUnit: units === 'SI' ? 'kg' : '[lb_av]', weight, readings: [] };
  if (bit(flags, 1)) {
    out.timestamp = r.dateTime('timestamp'); // [GSS Weight Measurement flags b1] Time Stamp present
    out.timestampIso = isoDateTime(out.timestamp);
  }
  if (bit(flags, 2)) out.userId = r.u8('userId'); // [GSS Weight Measurement flags b2] User ID present
  if (bit(flags, 3)) {
    // [GSS Weight Measurement flags b3] BMI and Height present (both or neither)
    out.bmi = r.u16('bmi') / 10;
    out.height = scaled(r.u16('height'), HEIGHT_RES[units]);
    out.heightUnit = units === 'SI' ? 'm' : '[in_i]';
  }
  r.end(); // b4-b7 RFU
  out.readings.push(
    weight === null ? plainReading('body-weight', null, 'unsuccessful') : plainReading('body-weight', units === 'SI' ? weight : tidy(poundToKg(weight))),
  );
  if (out.bmi !== undefined && out.height !== undefined) {
    out.readings.push(plainReading('bmi', out.bmi), plainReading('body-height', tidy(units === 'SI' ? out.height * 100 : inchToCm(out.height))));
  }
  return out;
}

function toRaw(field: string, value: number, [num, den]: readonly [number, number], max: number): number {
  const raw = Math.round((value * den) / num);
  if (!(raw >= 0 && raw <= max)) throw new GattEncodeError(field, `${value} is outside 0..${(max * num) / den}`);
  return raw;
}

export function encodeWeightMeasurement(v: WeightMeasurement): Uint8Array {
  const hasBmi = v.bmi !== undefined || v.height !== undefined;
  if (hasBmi && (v.bmi === undefined || v.height === undefined)) throw new GattEncodeError('bmi', 'BMI and height are sent together');
  const flags = (v.units === 'imperial' ? 1 : 0) | (v.timestamp !== undefined ? 1 << 1 : 0) | (v.userId !== undefined ? 1 << 2 : 0) | (hasBmi ? 1 << 3 : 0);
  const w = new ByteWriter().u8('flags', flags);
  w.u16('weight', v.weight === null ? UNSUCCESSFUL : toRaw('weight', v.weight, WEIGHT_RES[v.units], UNSUCCESSFUL - 1));
  if (v.timestamp !== undefined) w.dateTime('timestamp', v.timestamp);
  if (v.userId !== undefined) w.u8('userId', v.userId);
  if (hasBmi) w.u16('bmi', toRaw('bmi', v.bmi!, [1, 10], 0xffff)).u16('height', toRaw('height', v.height!, HEIGHT_RES[v.units], 0xffff));
  return w.bytes();
}

export const weightMeasurement: GattCodec<WeightMeasurement, WeightMeasurementDecoded> = {
  uuid: WEIGHT_MEASUREMENT_UUID,
  id: 'weight-measurement',
  name: 'Weight Measurement',
  decode: decodeWeightMeasurement,
  encode: encodeWeightMeasurement,
};
