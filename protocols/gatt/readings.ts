/**
 * The uniform reading every GATT codec emits (docs/gatt.md): the project's metric id, the value in
 * that metric's UCUM unit (protocols/vitals.ts), and its LOINC code when one exists. A special
 * value (NaN, NRes, ±INF, reserved, or a device's "measurement unsuccessful") is `value: null`
 * with a `reason`, never a number.
 */
import { describeMeasure, type DeviceMeasure, type VitalMetric } from '../vitals.ts';
import type { MedFloat, MedNumber, MedSpecial } from './ieee11073.ts';

export type GattMetric = VitalMetric | DeviceMeasure;
export type ReadingReason = MedSpecial | 'unsuccessful';

export interface GattReading {
  metric: GattMetric;
  value: number | null;
  unit: string;
  loinc: string | null;
  reason?: ReadingReason;
  /** PLX continuous: which averaging the value comes from (absent = the normal one). */
  variant?: 'fast' | 'slow';
}


/** Strip binary noise from converted values (7.5006157 × 18.9 …) without hiding real digits. */
export function tidy(x: number): number {
  return Math.abs(x) < 1e12 ? Math.round(x * 1e6) / 1e6 : x;
}

/** A reading from an IEEE-11073 value; `convert` maps the device unit to the metric's unit. */
export function medReading(metric: GattMetric, v: MedFloat, convert?: (n: MedNumber) => number, variant?: 'fast' | 'slow'): GattReading {
  const { unit, loinc } = describeMeasure(metric);
  const base: GattReading =
    v.kind === 'number'
      ? { metric, value: convert ? tidy(convert(v)) : v.value, unit, loinc }
      : { metric, value: null, unit, loinc, reason: v.kind };
  if (variant) base.variant = variant;
  return base;
}

/** A reading from a plain number already in the metric's unit (or null with a reason). */
export function plainReading(metric: GattMetric, value: number | null, reason?: ReadingReason): GattReading {
  const { unit, loinc } = describeMeasure(metric);
  return value === null ? { metric, value: null, unit, loinc, reason: reason ?? 'nan' } : { metric, value, unit, loinc };
}

// Unit conversions to the metrics' UCUM units; each constant is exact by definition.
/** 1 mm[Hg] = 133.322387415 Pa [ISO 80000-4 / UCUM mm[Hg] definition]. */
export const kPaToMmHg = (kPa: number): number => (kPa * 1000) / 133.322387415;
/** [degF] → Cel. */
export const fahrenheitToCelsius = (f: number): number => ((f - 32) * 5) / 9;
/** [lb_av] = 0.45359237 kg (international avoirdupois pound). */
export const poundToKg = (lb: number): number => lb * 0.45359237;
/** [in_i] = 2.54 cm. */
export const inchToCm = (inch: number): number => inch * 2.54;
