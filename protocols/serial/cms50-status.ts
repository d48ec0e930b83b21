/**
 * The technical state of a CMS50 frame, shared by both protocols (docs/serial-devices.md,
 * "Readings and technical states"). Internal: not re-exported from index.ts.
 */
import { reading, type DeviceStatus, type SerialReading, type SerialState } from './readings.ts';

/**
 * Shared by both CMS50 protocols: the technical state first; readings only while measuring, and
 * only of values that are not the device's "invalid" markers.
 */
export function judge<F extends { probeError: boolean; searchingTooLong: boolean; searching: boolean; pulseRate: number; spo2: number }>(
  fields: F,
  extra: SerialReading[] = [],
): F & { status: DeviceStatus; states: SerialState[]; readings: SerialReading[] } {
  // PR 0 means no pulse; 255 is the V7.0 "invalid" marker and above any CMS50 range (30–250 bpm).
  const prValid = fields.pulseRate > 0 && fields.pulseRate < 255;
  // SpO2 127 is the invalid marker; 0 and anything above 100 % cannot be a saturation.
  const spo2Valid = fields.spo2 > 0 && fields.spo2 <= 100;
  let status: DeviceStatus;
  if (fields.probeError) status = 'finger-out'; // [V7.0] probe error: the display shows "finger out"
  else if (fields.searchingTooLong) status = 'searching-too-long';
  else if (fields.searching) status = 'searching';
  else if (!prValid && !spo2Valid) status = 'no-value';
  else status = 'measuring';
  const readings: SerialReading[] = [];
  if (status === 'measuring') {
    if (prValid) readings.push(reading('heart-rate', fields.pulseRate));
    if (spo2Valid) readings.push(reading('spo2', fields.spo2));
    readings.push(...extra);
  }
  // Extend the fields object in place rather than spreading it: this runs 60 times a second per
  // oximeter, and the copy was most of the decode time.
  const out = fields as F & { status: DeviceStatus; states: SerialState[]; readings: SerialReading[] };
  out.status = status;
  out.states = [{ kind: 'device-status', status }];
  out.readings = readings;
  return out;
}
