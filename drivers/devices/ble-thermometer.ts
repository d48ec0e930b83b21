/** Bluetooth thermometer: Health Thermometer Service 0x1809 (docs/gatt.md). */
import type { BleDeviceDefinition } from '../device-definition.ts';
import { gattToInputs } from '../gatt-inputs.ts';

export const bleThermometer = {
  id: 'ble-thermometer',
  description: 'Bluetooth thermometer: Health Thermometer Service 0x1809',
  transport: 'ble',
  profile: 'health-thermometer',
  convert: gattToInputs,
  exposes: [
    { name: 'body-temperature', type: 'numeric', unit: 'Cel', description: 'Body temperature' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level, read once per connection' },
  ],
} as const satisfies BleDeviceDefinition;
