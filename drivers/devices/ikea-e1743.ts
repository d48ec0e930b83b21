/**
 * IKEA TRADFRI on/off switch E1743 through zigbee2mqtt (docs/zigbee2mqtt.md): a two-button remote
 * used as call ("I" = on) and cancel ("O" = off) beside the bed. Its dimming actions (brightness_move_up
 * on a long press …) do nothing here.
 */
import type { Zigbee2mqttDeviceDefinition } from '../device-definition.ts';
import { zigbee2mqttInputs } from '../zigbee2mqtt-inputs.ts';

export const ikeaE1743 = {
  id: 'ikea-e1743',
  description: 'IKEA TRADFRI on/off switch E1743: "I" calls, "O" cancels',
  transport: 'zigbee2mqtt',
  convert: (payload, context) => zigbee2mqttInputs(payload, context, { on: 'call', off: 'cancel' }),
  exposes: [
    { name: 'action', type: 'enum', values: ['on', 'off'], description: 'on calls, off cancels' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level' },
  ],
} as const satisfies Zigbee2mqttDeviceDefinition;
