/**
 * What serial codecs hand on: readings (a number in a metric's UCUM unit with its LOINC code, from
 * protocols/vitals.ts) and states (presence, motion, fall, device status …) as typed objects. A
 * device that cannot measure says so with a state, never with a fake value such as SpO2 0 or 127
 * (docs/serial-devices.md, "Technical states").
 */
import { describeMeasure, type DeviceMeasure, type VitalMetric } from '../vitals.ts';

export type SerialMetric = VitalMetric | DeviceMeasure;

export interface SerialReading {
  metric: SerialMetric;
  value: number;
  unit: string;
  loinc: string | null;
}

export function reading(metric: SerialMetric, value: number): SerialReading {
  const { unit, loinc } = describeMeasure(metric);
  return { metric, value, unit, loinc };
}

/**
 * Why a device is not measuring right now. 'measuring' means the values it sent are usable;
 * every other status is technical (the sensor, not the resident).
 */
export type DeviceStatus =
  | 'measuring'
  /** The probe reports an error or the finger is out of the clip. */
  | 'finger-out'
  /** Looking for a pulse (just after the finger went in). */
  | 'searching'
  /** Searched too long without finding a pulse (usually: finger out, or poor perfusion). */
  | 'searching-too-long'
  /** No flag set, but the values are the device's "invalid" markers. */
  | 'no-value'
  /** A radar's periodic "I am alive" report. */
  | 'alive';

export type MotionState = 'none' | 'stationary' | 'moving';

export type SerialState =
  | { kind: 'device-status'; status: DeviceStatus }
  | { kind: 'presence'; present: boolean }
  | { kind: 'motion'; motion: MotionState }
  /** Seeed's body-movement parameter, 0 (still) to 100. */
  | { kind: 'body-movement'; level: number }
  | { kind: 'fall'; fallen: boolean }
  /** Someone has stayed still in one place longer than the radar's residence time. */
  | { kind: 'stationary-residence'; residing: boolean };
