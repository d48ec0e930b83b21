/** Care notes: write, list newest first, correct with If-Match. No Hono here. */
import { appendRecordAudit } from '../residents/audit.ts';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { uuidv7 } from '../../../protocols/uuidv7.ts';
import { ProblemError } from '../../errors.ts';
import { staleWrite, versionFromIfMatch } from '../../http/etag.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';
import { decodeCursor, encodeCursor } from '../residents/cursor.ts';
import { findResident } from '../residents/repo.ts';
import { findNote, insertNote, listNotes, updateNote } from './repo.ts';
import type { CareNote } from './schema.ts';

export function createCareNotesService({ now }: { now: () => Date }) {
  return {
    async create(tx: Queryable, caller: Caller, residentId: string, text: string): Promise<CareNote> {
      const s = scoped(tx, caller);
      const at = now();
      const id = uuidv7(at.getTime(), randomBytes(10));
      if (!(await insertNote(s, id, residentId, caller.keyId, text, at))) throw new ProblemError('not-found', `No resident ${residentId}`);
      await appendRecordAudit(tx, caller, 'care-note.create', id, ['note']);
      return (await findNote(s, id))!;
    },
    async list(q: Queryable, caller: Caller, residentId: string, limit: number, cursor: string | undefined): Promise<{ items: CareNote[]; nextCursor: string | null }> {
      const s = scoped(q, caller);
      if ((await findResident(s, residentId)) === undefined) throw new ProblemError('not-found', `No resident ${residentId}`);
      const items = await listNotes(s, residentId, decodeCursor(cursor, z.uuid()), limit);
      return { items, nextCursor: items.length === limit ? encodeCursor(items.at(-1)!.id) : null };
    },
    update(db: Database, caller: Caller, id: string, ifMatch: string | undefined, text: string): Promise<CareNote> {
      return db.transaction(async function updateOne(tx) {
        const s = scoped(tx, caller);
        const current = await findNote(s, id, true);
        if (current === undefined) throw new ProblemError('not-found', `No care note ${id}`);
        // After the lookup: another organisation's id is 404 whatever the headers say.
        const expectedVersion = versionFromIfMatch(ifMatch);
        if (current.version !== expectedVersion) throw staleWrite(`Care note ${id}`, expectedVersion, current.version);
        await updateNote(s, id, text, now());
        await appendRecordAudit(tx, caller, 'care-note.update', id, ['note']);
        return (await findNote(s, id))!;
      });
    },
  };
}
