/** Bluetooth blood-pressure cuff: Blood Pressure Service 0x1810 (docs/gatt.md). */
import type { BleDeviceDefinition } from '../device-definition.ts';
import { gattToInputs } from '../gatt-inputs.ts';

export const bleBloodPressureMonitor = {
  id: 'ble-blood-pressure-monitor',
  description: 'Bluetooth blood-pressure cuff: Blood Pressure Service 0x1810',
  transport: 'ble',
  profile: 'blood-pressure',
  // [BLS 3.2] Intermediate Cuff Pressure (the cuff inflating) decodes to no readings, so stores nothing.
  convert: gattToInputs,
  exposes: [
    { name: 'systolic-bp', type: 'numeric', unit: 'mm[Hg]', description: 'Systolic pressure' },
    { name: 'diastolic-bp', type: 'numeric', unit: 'mm[Hg]', description: 'Diastolic pressure' },
    { name: 'mean-bp', type: 'numeric', unit: 'mm[Hg]', description: 'Mean arterial pressure' },
    { name: 'heart-rate', type: 'numeric', unit: '/min', description: 'Pulse rate, where the cuff sends it' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level, read once per connection' },
  ],
} as const satisfies BleDeviceDefinition;
