/** Devices and their binding to a resident and a room (docs/records.md#routes). */
import { z } from 'zod';
import { Id } from '../../../protocols/event.ts';

export const DeviceInput = z
  .strictObject({
    hubId: Id.describe('The hub the device is paired with'),
    id: Id.describe("The device id in the hub's events"),
    kind: z.string().trim().min(1).max(64).describe('e.g. pulse-oximeter, call-point'),
    label: z.string().max(200).nullable().optional(),
    residentId: z.uuid().nullable().optional().describe("Readings without a resident id in the event are the bound resident's"),
    roomId: Id.nullable().optional(),
  })
  .meta({ id: 'DeviceInput' });
export type DeviceInput = z.infer<typeof DeviceInput>;

export const DevicePatch = z
  .strictObject({ kind: z.string().trim().min(1).max(64).optional(), label: z.string().max(200).nullable().optional(), residentId: z.uuid().nullable().optional(), roomId: Id.nullable().optional() })
  .meta({ id: 'DevicePatch' });
export type DevicePatch = z.infer<typeof DevicePatch>;

export const Device = z
  .object({
    hubId: z.string(),
    id: z.string(),
    kind: z.string(),
    label: z.string().nullable(),
    residentId: z.string().nullable(),
    roomId: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Device' });
export type Device = z.infer<typeof Device>;
export const DeviceList = z.object({ items: z.array(Device) });
export const DeviceParams = z.object({ hubId: Id, id: Id });
