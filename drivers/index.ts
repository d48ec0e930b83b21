/**
 * The registry of device definitions (docs/adding-a-device.md): every file under drivers/devices/ is listed
 * here once; test/drivers/registry.test.ts fails when one is missing or two share an id.
 */
import type { DeviceDefinition } from './device-definition.ts';
import { callReceiverV1 } from './devices/call-receiver-v1.ts';

export type { DeviceDefinition, SerialDeviceDefinition, Exposed } from './device-definition.ts';

export const deviceDefinitions: readonly DeviceDefinition[] = [callReceiverV1];

/** Keyed by definition id. */
const byId = new Map<string, DeviceDefinition>(deviceDefinitions.map((d) => [d.id, d]));

export function getDeviceDefinition(id: string): DeviceDefinition | undefined {
  return byId.get(id);
}
