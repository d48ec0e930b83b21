/**
 * The registry of device models (docs/adding-a-device.md): every file under drivers/devices/ is listed
 * here once; test/drivers/registry.test.ts fails when one is missing or two share an id.
 */
import type { DeviceDefinition } from './device-definition.ts';
import { callReceiverV1 } from './devices/call-receiver-v1.ts';
import { carehubMqtt } from './devices/carehub-mqtt.ts';
import { carehubWearable } from './devices/carehub-wearable.ts';
import { contecCms50Legacy } from './devices/contec-cms50-legacy.ts';
import { contecCms50V7 } from './devices/contec-cms50-v7.ts';
import { hilinkLd2410 } from './devices/hilink-ld2410.ts';
import { seeedMr60fda2 } from './devices/seeed-mr60fda2.ts';
import { tuyaTs0215aSos } from './devices/tuya-ts0215a-sos.ts';
import { bleBloodPressureMonitor } from './devices/ble-blood-pressure-monitor.ts';
import { bleGlucoseMeter } from './devices/ble-glucose-meter.ts';
import { bleHeartRateSensor } from './devices/ble-heart-rate-sensor.ts';
import { blePulseOximeter } from './devices/ble-pulse-oximeter.ts';
import { bleThermometer } from './devices/ble-thermometer.ts';
import { bleWeightScale } from './devices/ble-weight-scale.ts';
import { ikeaE1743 } from './devices/ikea-e1743.ts';
import { zigbee2mqttButton } from './devices/zigbee2mqtt-button.ts';
import { zigbee2mqttSensor } from './devices/zigbee2mqtt-sensor.ts';

export type { DeviceDefinition, SerialDeviceDefinition, MqttDeviceDefinition, BleDeviceDefinition, Zigbee2mqttDeviceDefinition, Exposed } from './device-definition.ts';

export const deviceDefinitions: readonly DeviceDefinition[] = [
  callReceiverV1,
  carehubMqtt,
  contecCms50Legacy,
  contecCms50V7,
  seeedMr60fda2,
  hilinkLd2410,
  bleHeartRateSensor,
  bleBloodPressureMonitor,
  bleThermometer,
  blePulseOximeter,
  bleWeightScale,
  bleGlucoseMeter,
  zigbee2mqttButton,
  zigbee2mqttSensor,
  ikeaE1743,
  tuyaTs0215aSos,
  carehubWearable,
];

/** Keyed by definition id. */
const byId = new Map<string, DeviceDefinition>(deviceDefinitions.map((d) => [d.id, d]));

export function getDeviceDefinition(id: string): DeviceDefinition | undefined {
  return byId.get(id);
}
