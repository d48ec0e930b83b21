/** Bluetooth heart rate sensor (chest strap, wristband): Heart Rate Service 0x180D (docs/gatt.md). */
import type { BleDeviceDefinition } from '../device-definition.ts';
import { gattToInputs } from '../gatt-inputs.ts';

export const bleHeartRateSensor = {
  id: 'ble-heart-rate-sensor',
  description: 'Bluetooth heart rate sensor (chest strap, wristband): Heart Rate Service 0x180D',
  transport: 'ble',
  profile: 'heart-rate',
  convert: gattToInputs,
  exposes: [
    { name: 'heart-rate', type: 'numeric', unit: '/min', description: 'Heart rate' },
    { name: 'rr-interval', type: 'numeric', unit: 's', description: 'RR-intervals, where the sensor sends them' },
    { name: 'energy-expended', type: 'numeric', unit: 'kJ', description: 'Energy expended, where the sensor sends it' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level, read once per connection' },
  ],
} as const satisfies BleDeviceDefinition;
