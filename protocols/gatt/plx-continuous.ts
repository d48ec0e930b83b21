/**
 * PLX Continuous Measurement 0x2A5F (Pulse Oximeter Service, "PLXS"; layout in the GATT
 * Specification Supplement, "GSS"). docs/gatt.md.
 */
import { bit, ByteReader, ByteWriter } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import type { MedFloat } from './ieee11073.ts';
import { deviceAndSensorStatusNames, measurementStatusNames } from './plx-status.ts';
import { medReading, type GattReading } from './readings.ts';

export const PLX_CONTINUOUS_UUID = 0x2a5f;

export interface SpO2Pr {
  /** % */
  spo2: MedFloat;
  /** /min */
  pulseRate: MedFloat;
}

export interface PlxContinuous extends SpO2Pr {
  fast?: SpO2Pr;
  slow?: SpO2Pr;
  measurementStatus?: number;
  deviceAndSensorStatus?: number;
  pulseAmplitudeIndex?: MedFloat;
}

export interface PlxContinuousDecoded extends PlxContinuous {
  flags: number;
  measurementStatusNames?: string[];
  deviceAndSensorStatusNames?: string[];
  readings: GattReading[];
}

export function decodePlxContinuous(bytes: Uint8Array): PlxContinuousDecoded {
  const r = new ByteReader(bytes, PLX_CONTINUOUS_UUID);
  const flags = r.u8('flags');
  // [GSS PLX Continuous] SpO2PR-Normal is always present: SpO2 then PR, both SFLOAT.
  const out: PlxContinuousDecoded = { flags, spo2: r.sfloat('spo2'), pulseRate: r.sfloat('pulseRate'), readings: [] };
  if (bit(flags, 0)) out.fast = { spo2: r.sfloat('fast.spo2'), pulseRate: r.sfloat('fast.pulseRate') }; // [GSS PLX Continuous flags b0] SpO2PR-Fast present
  if (bit(flags, 1)) out.slow = { spo2: r.sfloat('slow.spo2'), pulseRate: r.sfloat('slow.pulseRate') }; // [GSS PLX Continuous flags b1] SpO2PR-Slow present
  if (bit(flags, 2)) {
    out.measurementStatus = r.u16('measurementStatus'); // [GSS PLX Continuous flags b2] Measurement Status present
    out.measurementStatusNames = measurementStatusNames(out.measurementStatus);
  }
  if (bit(flags, 3)) {
    out.deviceAndSensorStatus = r.u24('deviceAndSensorStatus'); // [GSS PLX Continuous flags b3] Device and Sensor Status present
    out.deviceAndSensorStatusNames = deviceAndSensorStatusNames(out.deviceAndSensorStatus);
  }
  if (bit(flags, 4)) out.pulseAmplitudeIndex = r.sfloat('pulseAmplitudeIndex'); // [GSS PLX Continuous flags b4] Pulse Amplitude Index present
  r.end(); // b5-b7 RFU
  out.readings.push(medReading('spo2', out.spo2), medReading('heart-rate', out.pulseRate));
  for (const variant of ['fast', 'slow'] as const) {
    const v = out[variant];
    if (v) out.readings.push(medReading('spo2', v.spo2, undefined, variant), medReading('heart-rate', v.pulseRate, undefined, variant));
  }
  if (out.pulseAmplitudeIndex) out.readings.push(medReading('pulse-amplitude-index', out.pulseAmplitudeIndex));
  return out;
}

export function encodePlxContinuous(v: PlxContinuous): Uint8Array {
  const flags =
    (v.fast !== undefined ? 1 : 0) |
    (v.slow !== undefined ? 1 << 1 : 0) |
    (v.measurementStatus !== undefined ? 1 << 2 : 0) |
    (v.deviceAndSensorStatus !== undefined ? 1 << 3 : 0) |
    (v.pulseAmplitudeIndex !== undefined ? 1 << 4 : 0);
  const w = new ByteWriter().u8('flags', flags).sfloat('spo2', v.spo2).sfloat('pulseRate', v.pulseRate);
  if (v.fast !== undefined) w.sfloat('fast.spo2', v.fast.spo2).sfloat('fast.pulseRate', v.fast.pulseRate);
  if (v.slow !== undefined) w.sfloat('slow.spo2', v.slow.spo2).sfloat('slow.pulseRate', v.slow.pulseRate);
  if (v.measurementStatus !== undefined) w.u16('measurementStatus', v.measurementStatus);
  if (v.deviceAndSensorStatus !== undefined) w.u24('deviceAndSensorStatus', v.deviceAndSensorStatus);
  if (v.pulseAmplitudeIndex !== undefined) w.sfloat('pulseAmplitudeIndex', v.pulseAmplitudeIndex);
  return w.bytes();
}

export const plxContinuous: GattCodec<PlxContinuous, PlxContinuousDecoded> = {
  uuid: PLX_CONTINUOUS_UUID,
  id: 'plx-continuous-measurement',
  name: 'PLX Continuous Measurement',
  decode: decodePlxContinuous,
  encode: encodePlxContinuous,
};
