/** Residents: create, read, update with If-Match, list. No Hono here. */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { uuidv7 } from '../../../protocols/uuidv7.ts';
import { ProblemError } from '../../errors.ts';
import { staleWrite, versionFromIfMatch } from '../../http/etag.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { appendRecordAudit } from './audit.ts';
import { constraintProblem } from './constraint.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { scoped, type Caller, type ScopedDb } from '../../tenancy/context.ts';
import { findResident, insertResident, listResidents, replaceIdentifiers, roomOfBed, updateResident, type ResidentFields } from './repo.ts';
import type { Resident, ResidentInput, ResidentPatch } from './schema.ts';

const CONSTRAINT_MESSAGES = {
  reference: 'roomId or bedId names no room or bed of this organisation',
  duplicate: 'another resident of this organisation already has one of these identifiers, or this bed',
};

/** A bed decides the room; a room given with it must agree. */
async function placement(s: ScopedDb, roomId: string | null, bedId: string | null): Promise<{ roomId: string | null; bedId: string | null }> {
  if (bedId === null) return { roomId, bedId };
  const bedRoom = await roomOfBed(s, bedId);
  if (bedRoom === undefined) throw new ProblemError('invalid-request', `No bed "${bedId}" in this organisation`, { errors: [{ path: 'bedId', message: 'unknown bed' }] });
  if (roomId !== null && roomId !== bedRoom) {
    throw new ProblemError('invalid-request', `Bed "${bedId}" is in room "${bedRoom}", not "${roomId}"`, { errors: [{ path: 'roomId', message: 'differs from the bed\'s room' }] });
  }
  return { roomId: bedRoom, bedId };
}

function notFound(id: string): ProblemError {
  return new ProblemError('not-found', `No resident ${id}`);
}

export function createResidentsService({ now }: { db: Database; now: () => Date }) {
  return {
    async create(tx: Queryable, caller: Caller, input: ResidentInput): Promise<Resident> {
      const s = scoped(tx, caller);
      const at = now();
      const id = uuidv7(at.getTime(), randomBytes(10));
      try {
        const where = await placement(s, input.roomId ?? null, input.bedId ?? null);
        await insertResident(s, id, { familyName: input.familyName, givenName: input.givenName, birthDate: input.birthDate, ...where }, at);
        await replaceIdentifiers(s, id, input.identifiers);
      } catch (err) {
        throw constraintProblem(err, CONSTRAINT_MESSAGES);
      }
      await appendRecordAudit(tx, caller, 'resident.create', id, Object.keys(input));
      return (await findResident(s, id))!;
    },

    async get(q: Queryable, caller: Caller, id: string): Promise<Resident> {
      const found = await findResident(scoped(q, caller), id);
      if (found === undefined) throw notFound(id);
      return found;
    },

    async update(db: Database, caller: Caller, id: string, ifMatch: string | undefined, patch: ResidentPatch): Promise<Resident> {
      return db.transaction(async function updateOne(tx) {
        const s = scoped(tx, caller);
        const current = await findResident(s, id, true);
        if (current === undefined) throw notFound(id);
        // After the lookup: another organisation's id is 404 whatever the headers say.
        const expectedVersion = versionFromIfMatch(ifMatch);
        if (current.version !== expectedVersion) throw staleWrite(`Resident ${id}`, expectedVersion, current.version);
        // A new bed brings its room; a new room without a bed leaves the old bed behind.
        const bedId = patch.bedId !== undefined ? patch.bedId : patch.roomId !== undefined && patch.roomId !== current.roomId ? null : current.bedId;
        const roomId = patch.roomId !== undefined ? patch.roomId : patch.bedId ? null : current.roomId;
        const fields: ResidentFields = {
          familyName: patch.familyName ?? current.familyName,
          givenName: patch.givenName ?? current.givenName,
          birthDate: patch.birthDate ?? current.birthDate,
          ...(await placement(s, roomId, bedId)),
        };
        try {
          if (!(await updateResident(s, id, expectedVersion, fields, now()))) throw staleWrite(`Resident ${id}`, expectedVersion, current.version + 1);
          if (patch.identifiers !== undefined) await replaceIdentifiers(s, id, patch.identifiers);
        } catch (err) {
          throw constraintProblem(err, CONSTRAINT_MESSAGES);
        }
        await appendRecordAudit(tx, caller, 'resident.update', id, Object.keys(patch));
        return (await findResident(s, id))!;
      });
    },

    async list(q: Queryable, caller: Caller, limit: number, cursor: string | undefined): Promise<{ items: Resident[]; nextCursor: string | null }> {
      const after = decodeCursor(cursor, z.uuid());
      const items = await listResidents(scoped(q, caller), after, limit);
      return { items, nextCursor: items.length === limit ? encodeCursor(items.at(-1)!.id) : null };
    },
  };
}
export type ResidentsService = ReturnType<typeof createResidentsService>;
