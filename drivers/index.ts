/**
 * The registry of device models (docs/adding-a-device.md): every file under drivers/devices/ is listed
 * here once; test/drivers/registry.test.ts fails when one is missing or two share an id.
 */
import type { DeviceDefinition } from './device-definition.ts';
import { callReceiverV1 } from './devices/call-receiver-v1.ts';
import { carehubMqtt } from './devices/carehub-mqtt.ts';
import { contecCms50Legacy } from './devices/contec-cms50-legacy.ts';
import { contecCms50V7 } from './devices/contec-cms50-v7.ts';
import { hilinkLd2410 } from './devices/hilink-ld2410.ts';
import { seeedMr60fda2 } from './devices/seeed-mr60fda2.ts';

export type { DeviceDefinition, SerialDeviceDefinition, MqttDeviceDefinition, BleDeviceDefinition, Zigbee2mqttDeviceDefinition, Exposed } from './device-definition.ts';

export const deviceDefinitions: readonly DeviceDefinition[] = [
  callReceiverV1,
  carehubMqtt,
  contecCms50Legacy,
  contecCms50V7,
  seeedMr60fda2,
  hilinkLd2410,
];

/** Keyed by definition id. */
const byId = new Map<string, DeviceDefinition>(deviceDefinitions.map((d) => [d.id, d]));

export function getDeviceDefinition(id: string): DeviceDefinition | undefined {
  return byId.get(id);
}
