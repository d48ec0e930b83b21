/**
 * Care notes (docs/records.md#care-notes-in-logs). The text travels as `note`, a key the relay's logger
 * redacts wherever it appears, so a note never reaches a log line.
 */
import { z } from 'zod';

export const CareNoteInput = z.strictObject({ note: z.string().trim().min(1).max(10_000) }).meta({ id: 'CareNoteInput' });
export type CareNoteInput = z.infer<typeof CareNoteInput>;

export const CareNote = z
  .object({
    id: z.string(),
    residentId: z.string(),
    author: z.string().describe('API key that wrote it'),
    note: z.string(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CareNote' });
export type CareNote = z.infer<typeof CareNote>;
export const CareNoteList = z.object({ items: z.array(CareNote), nextCursor: z.string().nullable() });
export const CareNoteParams = z.object({ id: z.uuid() });
export const CareNoteQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.string().max(200).optional() });
