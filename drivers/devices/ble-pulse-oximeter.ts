/** Bluetooth pulse oximeter: Pulse Oximeter Service 0x1822 (docs/gatt.md). */
import type { BleDeviceDefinition } from '../device-definition.ts';
import { gattToInputs } from '../gatt-inputs.ts';

export const blePulseOximeter = {
  id: 'ble-pulse-oximeter',
  description: 'Bluetooth pulse oximeter: Pulse Oximeter Service 0x1822',
  transport: 'ble',
  profile: 'pulse-oximeter',
  convert: gattToInputs,
  exposes: [
    { name: 'spo2', type: 'numeric', unit: '%', description: 'Oxygen saturation' },
    { name: 'heart-rate', type: 'numeric', unit: '/min', description: 'Pulse rate' },
    { name: 'pulse-amplitude-index', type: 'numeric', unit: '%', description: 'Pulse amplitude index, where sent' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level, read once per connection' },
  ],
} as const satisfies BleDeviceDefinition;
