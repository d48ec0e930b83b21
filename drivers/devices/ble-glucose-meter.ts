/** Bluetooth glucose meter: Glucose Service 0x1808, stored records fetched through the Record Access Control Point (docs/gatt.md). */
import type { BleDeviceDefinition } from '../device-definition.ts';
import { gattToInputs } from '../gatt-inputs.ts';

export const bleGlucoseMeter = {
  id: 'ble-glucose-meter',
  description: 'Bluetooth glucose meter: Glucose Service 0x1808, stored records fetched through the Record Access Control Point',
  transport: 'ble',
  profile: 'glucose',
  convert: gattToInputs,
  exposes: [
    { name: 'glucose', type: 'numeric', unit: 'mg/dL', description: 'Glucose (mass concentration)' },
    { name: 'glucose-molar', type: 'numeric', unit: 'mmol/L', description: 'Glucose (molar concentration)' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level, read once per connection' },
  ],
} as const satisfies BleDeviceDefinition;
