/** Rooms and their beds as the REST API takes and shows them (docs/records.md#routes). */
import { z } from 'zod';
import { Id } from '../../../protocols/event.ts';

export const RoomInput = z.strictObject({ id: Id.describe('The id hubs use for the room'), name: z.string().trim().min(1).max(200), floor: z.string().max(50).nullable().optional() }).meta({ id: 'RoomInput' });
export type RoomInput = z.infer<typeof RoomInput>;
export const RoomPatch = z.strictObject({ name: z.string().trim().min(1).max(200).optional(), floor: z.string().max(50).nullable().optional() }).meta({ id: 'RoomPatch' });
export type RoomPatch = z.infer<typeof RoomPatch>;
export const BedInput = z.strictObject({ id: Id, label: z.string().trim().min(1).max(100) }).meta({ id: 'BedInput' });
export type BedInput = z.infer<typeof BedInput>;

export const Bed = z.object({ id: z.string(), roomId: z.string(), label: z.string(), version: z.number().int() }).meta({ id: 'Bed' });
export type Bed = z.infer<typeof Bed>;
export const Room = z
  .object({ id: z.string(), name: z.string(), floor: z.string().nullable(), beds: z.array(Bed), version: z.number().int(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: 'Room' });
export type Room = z.infer<typeof Room>;
export const RoomList = z.object({ items: z.array(Room) });
export const RoomParams = z.object({ id: Id });
