/**
 * Status bit fields shared by the Pulse Oximeter Service ("PLXS") characteristics: PLX Spot-Check
 * and Continuous Measurement report them, PLX Features says which ones a device supports.
 * docs/gatt.md.
 */
import { bitNames } from './bytes.ts';

/** [GSS PLX Measurement Status] uint16; b0-b4 RFU. Keyed by bit number. */
export const PLX_MEASUREMENT_STATUS: Readonly<Record<number, string>> = {
  5: 'measurement-ongoing',
  6: 'early-estimated-data',
  7: 'validated-data',
  8: 'fully-qualified-data',
  9: 'data-from-measurement-storage',
  10: 'data-for-demonstration',
  11: 'data-for-testing',
  12: 'calibration-ongoing',
  13: 'measurement-unavailable',
  14: 'questionable-measurement-detected',
  15: 'invalid-measurement-detected',
};

/** [GSS PLX Device and Sensor Status] uint24; b16-b23 RFU. Keyed by bit number. */
export const PLX_DEVICE_AND_SENSOR_STATUS: Readonly<Record<number, string>> = {
  0: 'extended-display-update-ongoing',
  1: 'equipment-malfunction-detected',
  2: 'signal-processing-irregularity-detected',
  3: 'inadequate-signal-detected',
  4: 'poor-signal-detected',
  5: 'low-perfusion-detected',
  6: 'erratic-signal-detected',
  7: 'nonpulsatile-signal-detected',
  8: 'questionable-pulse-detected',
  9: 'signal-analysis-ongoing',
  10: 'sensor-interference-detected',
  11: 'sensor-unconnected-to-user',
  12: 'unknown-sensor-connected',
  13: 'sensor-displaced',
  14: 'sensor-malfunctioning',
  15: 'sensor-disconnected',
};

export const measurementStatusNames = (raw: number): string[] => bitNames(raw, PLX_MEASUREMENT_STATUS);
export const deviceAndSensorStatusNames = (raw: number): string[] => bitNames(raw, PLX_DEVICE_AND_SENSOR_STATUS);
