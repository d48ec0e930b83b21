/**
 * Any zigbee2mqtt occupancy, contact or water-leak sensor (docs/zigbee2mqtt.md): occupancy is presence
 * (or, on a bed sensor with role "bed-exit", the resident out of bed), contact is a door, water_leak a leak.
 */
import type { Zigbee2mqttDeviceDefinition } from '../device-definition.ts';
import { zigbee2mqttInputs } from '../zigbee2mqtt-inputs.ts';

export const zigbee2mqttSensor = {
  id: 'zigbee2mqtt-sensor',
  description: 'Any zigbee2mqtt occupancy, bed, door-contact or water-leak sensor',
  transport: 'zigbee2mqtt',
  convert: (payload, context) => zigbee2mqttInputs(payload, context),
  exposes: [
    { name: 'presence', type: 'binary', description: 'occupancy (role "sensor")' },
    { name: 'bed-exit', type: 'binary', description: 'occupancy cleared on a bed sensor (role "bed-exit")' },
    { name: 'door', type: 'binary', description: 'contact open' },
    { name: 'water-leak', type: 'binary', description: 'water_leak' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level' },
  ],
} as const satisfies Zigbee2mqttDeviceDefinition;
