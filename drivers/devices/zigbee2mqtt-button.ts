/**
 * Any zigbee2mqtt button (docs/zigbee2mqtt.md): its presses (single, double, hold, long, sos,
 * emergency, press, and those words with an endpoint or button suffix) call or cancel as the
 * installer's role says.
 */
import type { Zigbee2mqttDeviceDefinition } from '../device-definition.ts';
import { zigbee2mqttInputs } from '../zigbee2mqtt-inputs.ts';

export const zigbee2mqttButton = {
  id: 'zigbee2mqtt-button',
  description: 'Any zigbee2mqtt button or remote: its presses call (role "call") or cancel (role "cancel")',
  transport: 'zigbee2mqtt',
  convert: (payload, context) => zigbee2mqttInputs(payload, context),
  exposes: [
    { name: 'action', type: 'event', description: 'A press: call or cancel by the device\'s role' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level' },
  ],
} as const satisfies Zigbee2mqttDeviceDefinition;
