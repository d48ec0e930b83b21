/**
 * Tuya TS0215A SOS panic button through zigbee2mqtt (also sold as Tuya BT400B, Woox R7052, Nedis
 * ZBPB10BK): its one press arrives as `action: "emergency"` (IAS ACE commandEmergency), always a call,
 * whatever role the installer gave it.
 */
import type { Zigbee2mqttDeviceDefinition } from '../device-definition.ts';
import { zigbee2mqttInputs } from '../zigbee2mqtt-inputs.ts';

export const tuyaTs0215aSos = {
  id: 'tuya-ts0215a-sos',
  description: 'Tuya TS0215A SOS panic button (zigbee2mqtt): "emergency" calls',
  transport: 'zigbee2mqtt',
  convert: (payload, context) => zigbee2mqttInputs(payload, context, { emergency: 'call' }),
  exposes: [
    { name: 'action', type: 'enum', values: ['emergency'], description: 'The SOS press: a call' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level' },
  ],
} as const satisfies Zigbee2mqttDeviceDefinition;
