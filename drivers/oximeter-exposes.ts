/** What a fingertip oximeter reports, whatever its protocol (docs/serial-devices.md). */
import { SENSOR_STATUSES } from '../protocols/device-state.ts';
import type { Exposed } from './device-definition.ts';

export const OXIMETER_EXPOSES: readonly Exposed[] = [
  { name: 'spo2', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Oxygen saturation' },
  { name: 'heart-rate', type: 'numeric', unit: '/min', min: 0, max: 254, description: 'Pulse rate' },
  { name: 'sensor', type: 'enum', values: SENSOR_STATUSES, description: 'Measuring, or why not (finger out, searching)' },
];
