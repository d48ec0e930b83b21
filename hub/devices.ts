/** Looks up configured devices, and their models, by the addresses transports know them by. */
import type { DeviceDefinition } from '../drivers/device-definition.ts';
import { getDeviceDefinition } from '../drivers/index.ts';
import { DEFAULT_MQTT_MODEL, type DeviceConfig, type HubConfig } from './config.ts';

export interface DeviceDirectory {
  byId(id: string): DeviceConfig | undefined;
  /** A call point behind a serial receiver, by receiver id and the call-point address in the frame. */
  byCallPoint(receiverId: string, address: number): DeviceConfig | undefined;
  /** A zigbee2mqtt device by its friendly name. */
  byFriendlyName(name: string): DeviceConfig | undefined;
  /** The device's model from the registry; undefined for a call point behind a receiver (its receiver's model decodes it). */
  modelOf(device: DeviceConfig): DeviceDefinition | undefined;
  /** Configured devices that reach the hub over `transport`, each with its model. */
  withTransport<T extends DeviceDefinition['transport']>(transport: T): Array<{ device: DeviceConfig; model: Extract<DeviceDefinition, { transport: T }> }>;
}

export function createDeviceDirectory(config: Pick<HubConfig, 'devices'>): DeviceDirectory {
  /** keyed by device id */
  const byId = new Map(config.devices.map((d) => [d.id, d]));
  /** keyed by `${receiverId}/${address}` */
  const byCallPoint = new Map(
    config.devices.filter((d) => d.callPoint).map((d) => [`${d.callPoint!.receiver}/${d.callPoint!.address}`, d]),
  );
  /** keyed by zigbee2mqtt friendly name */
  const byFriendlyName = new Map(config.devices.filter((d) => d.zigbee2mqtt).map((d) => [d.zigbee2mqtt!.friendlyName, d]));
  // The config schema has checked that each model exists and fits the device's transport.
  const modelOf = (device: DeviceConfig) => {
    if (device.callPoint) return undefined;
    return getDeviceDefinition(device.model ?? DEFAULT_MQTT_MODEL);
  };
  return {
    byId: (id) => byId.get(id),
    byCallPoint: (receiverId, address) => byCallPoint.get(`${receiverId}/${address}`),
    byFriendlyName: (name) => byFriendlyName.get(name),
    modelOf,
    withTransport: <T extends DeviceDefinition['transport']>(transport: T) =>
      config.devices.flatMap((device) => {
        const model = modelOf(device);
        return model?.transport === transport ? [{ device, model: model as Extract<DeviceDefinition, { transport: T }> }] : [];
      }),
  };
}
