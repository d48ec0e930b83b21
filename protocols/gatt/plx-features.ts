/**
 * PLX Features 0x2A60 (Pulse Oximeter Service, "PLXS"; layout in the GATT Specification
 * Supplement, "GSS"): what an oximeter can report. docs/gatt.md.
 */
import { bit, bitNames, ByteReader, ByteWriter } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import { deviceAndSensorStatusNames, measurementStatusNames } from './plx-status.ts';
import type { GattReading } from './readings.ts';

export const PLX_FEATURES_UUID = 0x2a60;

/** [GSS PLX Features, Supported Features] uint16; b8-b15 RFU. Keyed by bit number. */
export const PLX_SUPPORTED_FEATURES: Readonly<Record<number, string>> = {
  0: 'measurement-status-support',
  1: 'device-and-sensor-status-support',
  2: 'measurement-storage-for-spot-check',
  3: 'timestamp-for-spot-check',
  4: 'spo2pr-fast',
  5: 'spo2pr-slow',
  6: 'pulse-amplitude-index',
  7: 'multiple-bonds',
};

export interface PlxFeatures {
  supportedFeatures: number;
  /** present when supportedFeatures b0 is set */
  measurementStatusSupport?: number;
  /** present when supportedFeatures b1 is set */
  deviceAndSensorStatusSupport?: number;
}

export interface PlxFeaturesDecoded extends PlxFeatures {
  supportedFeatureNames: string[];
  measurementStatusSupportNames?: string[];
  deviceAndSensorStatusSupportNames?: string[];
  readings: GattReading[];
}

export function decodePlxFeatures(bytes: Uint8Array): PlxFeaturesDecoded {
  const r = new ByteReader(bytes, PLX_FEATURES_UUID);
  const supportedFeatures = r.u16('supportedFeatures');
  const out: PlxFeaturesDecoded = { supportedFeatures, supportedFeatureNames: bitNames(supportedFeatures, PLX_SUPPORTED_FEATURES), readings: [] };
  if (bit(supportedFeatures, 0)) {
    out.measurementStatusSupport = r.u16('measurementStatusSupport'); // [GSS PLX Features b0] Measurement Status Support field present
    out.measurementStatusSupportNames = measurementStatusNames(out.measurementStatusSupport);
  }
  if (bit(supportedFeatures, 1)) {
    out.deviceAndSensorStatusSupport = r.u24('deviceAndSensorStatusSupport'); // [GSS PLX Features b1] Device and Sensor Status Support field present
    out.deviceAndSensorStatusSupportNames = deviceAndSensorStatusNames(out.deviceAndSensorStatusSupport);
  }
  r.end();
  return out;
}

export function encodePlxFeatures(v: PlxFeatures): Uint8Array {
  // The two "support present" bits follow the optional fields, whatever the caller set.
  const features = (v.supportedFeatures & ~0b11) | (v.measurementStatusSupport !== undefined ? 1 : 0) | (v.deviceAndSensorStatusSupport !== undefined ? 2 : 0);
  const w = new ByteWriter().u16('supportedFeatures', features);
  if (v.measurementStatusSupport !== undefined) w.u16('measurementStatusSupport', v.measurementStatusSupport);
  if (v.deviceAndSensorStatusSupport !== undefined) w.u24('deviceAndSensorStatusSupport', v.deviceAndSensorStatusSupport);
  return w.bytes();
}

export const plxFeatures: GattCodec<PlxFeatures, PlxFeaturesDecoded> = {
  uuid: PLX_FEATURES_UUID,
  id: 'plx-features',
  name: 'PLX Features',
  decode: decodePlxFeatures,
  encode: encodePlxFeatures,
};
