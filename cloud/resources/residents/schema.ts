/** Residents as the REST API takes and shows them (docs/records.md#routes). */
import { z } from 'zod';
import { Id } from '../../../protocols/event.ts';

export const Identifier = z.strictObject({
  system: z.string().min(1).max(200).describe("Namespace of the value, e.g. 'urn:carehub:hub:<hubId>' for the id a hub uses"),
  value: z.string().min(1).max(200),
});

export const ResidentInput = z
  .strictObject({
    identifiers: z.array(Identifier).max(20).default([]),
    familyName: z.string().trim().min(1).max(200),
    givenName: z.string().trim().min(1).max(200),
    birthDate: z.iso.date().describe('YYYY-MM-DD'),
    roomId: Id.nullable().optional(),
    bedId: Id.nullable().optional().describe('A bed sets the room too'),
  })
  .refine((r) => new Set(r.identifiers.map((i) => i.system)).size === r.identifiers.length, { message: 'one identifier per system', path: ['identifiers'] })
  .meta({ id: 'ResidentInput' });
export type ResidentInput = z.infer<typeof ResidentInput>;

export const ResidentPatch = z
  .strictObject({
    identifiers: z.array(Identifier).max(20).optional().describe('Replaces the whole list'),
    familyName: z.string().trim().min(1).max(200).optional(),
    givenName: z.string().trim().min(1).max(200).optional(),
    birthDate: z.iso.date().optional(),
    roomId: Id.nullable().optional(),
    bedId: Id.nullable().optional(),
  })
  .refine((r) => r.identifiers === undefined || new Set(r.identifiers.map((i) => i.system)).size === r.identifiers.length, {
    message: 'one identifier per system',
    path: ['identifiers'],
  })
  .meta({ id: 'ResidentPatch' });
export type ResidentPatch = z.infer<typeof ResidentPatch>;

export const Resident = z
  .object({
    id: z.string(),
    identifiers: z.array(Identifier),
    familyName: z.string(),
    givenName: z.string(),
    birthDate: z.string(),
    roomId: z.string().nullable(),
    bedId: z.string().nullable(),
    version: z.number().int().describe('Equals the ETag; send it back in If-Match to update'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Resident' });
export type Resident = z.infer<typeof Resident>;

export const ResidentParams = z.object({ id: z.uuid().describe('Resident id') });

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

export const ResidentList = z.object({ items: z.array(Resident), nextCursor: z.string().nullable() });
