/** Bluetooth scale: Weight Scale Service 0x181D (docs/gatt.md). */
import type { BleDeviceDefinition } from '../device-definition.ts';
import { gattToInputs } from '../gatt-inputs.ts';

export const bleWeightScale = {
  id: 'ble-weight-scale',
  description: 'Bluetooth scale: Weight Scale Service 0x181D',
  transport: 'ble',
  profile: 'weight-scale',
  convert: gattToInputs,
  exposes: [
    { name: 'body-weight', type: 'numeric', unit: 'kg', description: 'Weight' },
    { name: 'bmi', type: 'numeric', unit: 'kg/m2', description: 'BMI, where the scale computes it' },
    { name: 'body-height', type: 'numeric', unit: 'cm', description: 'Height, where set on the scale' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level, read once per connection' },
  ],
} as const satisfies BleDeviceDefinition;
