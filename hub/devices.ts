/** Looks up configured devices by the addresses transports know them by. */
import type { DeviceConfig, HubConfig } from './config.ts';

export interface DeviceDirectory {
  byId(id: string): DeviceConfig | undefined;
  /** A call point behind a serial receiver, by receiver id and the call-point address in the frame. */
  byCallPoint(receiverId: string, address: number): DeviceConfig | undefined;
}

export function createDeviceDirectory(config: Pick<HubConfig, 'devices'>): DeviceDirectory {
  /** keyed by device id */
  const byId = new Map(config.devices.map((d) => [d.id, d]));
  /** keyed by `${receiverId}/${address}` */
  const byCallPoint = new Map(
    config.devices.filter((d) => d.callPoint).map((d) => [`${d.callPoint!.receiver}/${d.callPoint!.address}`, d]),
  );
  return {
    byId: (id) => byId.get(id),
    byCallPoint: (receiverId, address) => byCallPoint.get(`${receiverId}/${address}`),
  };
}
