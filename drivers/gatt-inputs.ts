/**
 * Decoded GATT values to device inputs, shared by the Bluetooth SIG profile models
 * (docs/devices.md#ble). A value the device marks special (NaN, NRes, "measurement unsuccessful")
 * is no reading: it becomes a `sensor: no-value` state, never a number.
 */
import type { GattReading } from '../protocols/gatt/index.ts';
import type { DeviceInput } from './device-input.ts';

/** [Assigned Numbers] Battery Level: a percentage of the device's own battery. */
const BATTERY_LEVEL = 0x2a19;

export function gattToInputs(characteristic: number, decoded: { readings: readonly GattReading[] } & Record<string, unknown>): DeviceInput[] {
  if (characteristic === BATTERY_LEVEL) {
    const level = decoded.level;
    return typeof level === 'number' ? [{ kind: 'status', status: level <= 10 ? 'low-battery' : 'online', battery: level }] : [];
  }
  const inputs: DeviceInput[] = [];
  let special = false;
  for (const r of decoded.readings) {
    // PLX continuous sends fast and slow averages besides the normal one: the normal one is the reading.
    if (r.variant) continue;
    if (r.value === null) special = true;
    else inputs.push({ kind: 'reading', metric: r.metric, value: r.value });
  }
  if (special && inputs.length === 0) inputs.push({ kind: 'state', state: { kind: 'sensor', status: 'no-value' } });
  return inputs;
}
