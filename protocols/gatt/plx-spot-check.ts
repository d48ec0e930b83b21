/**
 * PLX Spot-Check Measurement 0x2A5E (Pulse Oximeter Service, "PLXS"; layout in the GATT
 * Specification Supplement, "GSS"). docs/gatt.md.
 */
import { bit, ByteReader, ByteWriter, isoDateTime, type DateTime } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import type { MedFloat } from './ieee11073.ts';
import { deviceAndSensorStatusNames, measurementStatusNames } from './plx-status.ts';
import { medReading, type GattReading } from './readings.ts';

export const PLX_SPOT_CHECK_UUID = 0x2a5e;

export interface PlxSpotCheck {
  /** % */
  spo2: MedFloat;
  /** /min */
  pulseRate: MedFloat;
  timestamp?: DateTime;
  /** raw uint16 */
  measurementStatus?: number;
  /** raw uint24 */
  deviceAndSensorStatus?: number;
  /** % */
  pulseAmplitudeIndex?: MedFloat;
  /** flags b4: the timestamp comes from a clock nobody set */
  deviceClockNotSet: boolean;
}

export interface PlxSpotCheckDecoded extends PlxSpotCheck {
  flags: number;
  timestampIso?: string | null;
  measurementStatusNames?: string[];
  deviceAndSensorStatusNames?: string[];
  readings: GattReading[];
}

export function decodePlxSpotCheck(bytes: Uint8Array): PlxSpotCheckDecoded {
  const r = new ByteReader(bytes, PLX_SPOT_CHECK_UUID);
  const flags = r.u8('flags');
  const spo2 = r.sfloat('spo2'); // [GSS PLX Spot-Check] SpO2PR-Spot-Check: SpO2 then PR, both SFLOAT
  const pulseRate = r.sfloat('pulseRate');
  const out: PlxSpotCheckDecoded = { flags, spo2, pulseRate, deviceClockNotSet: bit(flags, 4), readings: [] }; // [GSS PLX Spot-Check flags b4] Device Clock is Not Set
  if (bit(flags, 0)) {
    out.timestamp = r.dateTime('timestamp'); // [GSS PLX Spot-Check flags b0] Timestamp present
    out.timestampIso = isoDateTime(out.timestamp);
  }
  if (bit(flags, 1)) {
    out.measurementStatus = r.u16('measurementStatus'); // [GSS PLX Spot-Check flags b1] Measurement Status present
    out.measurementStatusNames = measurementStatusNames(out.measurementStatus);
  }
  if (bit(flags, 2)) {
    out.deviceAndSensorStatus = r.u24('deviceAndSensorStatus'); // [GSS PLX Spot-Check flags b2] Device and Sensor Status present
    out.deviceAndSensorStatusNames = deviceAndSensorStatusNames(out.deviceAndSensorStatus);
  }
  if (bit(flags, 3)) out.pulseAmplitudeIndex = r.sfloat('pulseAmplitudeIndex'); // [GSS PLX Spot-Check flags b3] Pulse Amplitude Index present
  r.end(); // b5-b7 RFU
  out.readings.push(medReading('spo2', spo2), medReading('heart-rate', pulseRate));
  if (out.pulseAmplitudeIndex) out.readings.push(medReading('pulse-amplitude-index', out.pulseAmplitudeIndex));
  return out;
}

export function encodePlxSpotCheck(v: PlxSpotCheck): Uint8Array {
  const flags =
    (v.timestamp !== undefined ? 1 : 0) |
    (v.measurementStatus !== undefined ? 1 << 1 : 0) |
    (v.deviceAndSensorStatus !== undefined ? 1 << 2 : 0) |
    (v.pulseAmplitudeIndex !== undefined ? 1 << 3 : 0) |
    (v.deviceClockNotSet ? 1 << 4 : 0);
  const w = new ByteWriter().u8('flags', flags).sfloat('spo2', v.spo2).sfloat('pulseRate', v.pulseRate);
  if (v.timestamp !== undefined) w.dateTime('timestamp', v.timestamp);
  if (v.measurementStatus !== undefined) w.u16('measurementStatus', v.measurementStatus);
  if (v.deviceAndSensorStatus !== undefined) w.u24('deviceAndSensorStatus', v.deviceAndSensorStatus);
  if (v.pulseAmplitudeIndex !== undefined) w.sfloat('pulseAmplitudeIndex', v.pulseAmplitudeIndex);
  return w.bytes();
}

export const plxSpotCheck: GattCodec<PlxSpotCheck, PlxSpotCheckDecoded> = {
  uuid: PLX_SPOT_CHECK_UUID,
  id: 'plx-spot-check-measurement',
  name: 'PLX Spot-Check Measurement',
  decode: decodePlxSpotCheck,
  encode: encodePlxSpotCheck,
};
