/** Rooms and beds: create, read, update with If-Match. No Hono here. */
import { appendRecordAudit } from '../residents/audit.ts';
import { ProblemError } from '../../errors.ts';
import { staleWrite, versionFromIfMatch } from '../../http/etag.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';
import { constraintProblem } from '../residents/constraint.ts';
import { findRoom, insertBed, insertRoom, listRooms, updateRoom } from './repo.ts';
import type { Bed, BedInput, Room, RoomInput, RoomPatch } from './schema.ts';

export function createRoomsService({ now }: { now: () => Date }) {
  return {
    async create(tx: Queryable, caller: Caller, input: RoomInput): Promise<Room> {
      const s = scoped(tx, caller);
      try {
        await insertRoom(s, input.id, input.name, input.floor ?? null);
      } catch (err) {
        throw constraintProblem(err, { reference: 'unknown organisation', duplicate: `Room "${input.id}" exists already` });
      }
      await appendRecordAudit(tx, caller, 'room.create', input.id, Object.keys(input));
      return (await findRoom(s, input.id))!;
    },
    async get(q: Queryable, caller: Caller, id: string): Promise<Room> {
      const found = await findRoom(scoped(q, caller), id);
      if (found === undefined) throw new ProblemError('not-found', `No room "${id}"`);
      return found;
    },
    list(q: Queryable, caller: Caller): Promise<Room[]> {
      return listRooms(scoped(q, caller));
    },
    update(db: Database, caller: Caller, id: string, ifMatch: string | undefined, patch: RoomPatch): Promise<Room> {
      return db.transaction(async function updateOne(tx) {
        const s = scoped(tx, caller);
        const current = await findRoom(s, id, true);
        if (current === undefined) throw new ProblemError('not-found', `No room "${id}"`);
        // After the lookup: another organisation's id is 404 whatever the headers say.
        const expectedVersion = versionFromIfMatch(ifMatch);
        if (current.version !== expectedVersion) throw staleWrite(`Room "${id}"`, expectedVersion, current.version);
        await updateRoom(s, id, patch.name ?? current.name, patch.floor !== undefined ? patch.floor : current.floor, now());
        await appendRecordAudit(tx, caller, 'room.update', id, Object.keys(patch));
        return (await findRoom(s, id))!;
      });
    },
    async addBed(tx: Queryable, caller: Caller, roomId: string, input: BedInput): Promise<Bed> {
      const s = scoped(tx, caller);
      if ((await findRoom(s, roomId)) === undefined) throw new ProblemError('not-found', `No room "${roomId}"`);
      try {
        await insertBed(s, roomId, input.id, input.label);
      } catch (err) {
        throw constraintProblem(err, { reference: `No room "${roomId}"`, duplicate: `Bed "${input.id}" exists already` });
      }
      await appendRecordAudit(tx, caller, 'bed.create', input.id, Object.keys(input));
      return { id: input.id, roomId, label: input.label, version: 1 };
    },
  };
}
