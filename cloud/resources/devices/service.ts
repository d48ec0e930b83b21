/** Devices: register, bind to a resident and a room, read. No Hono here. */
import { appendRecordAudit } from '../residents/audit.ts';
import { ProblemError } from '../../errors.ts';
import { staleWrite, versionFromIfMatch } from '../../http/etag.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';
import { constraintProblem } from '../residents/constraint.ts';
import { findDevice, insertDevice, listDevices, updateDevice } from './repo.ts';
import type { Device, DeviceInput, DevicePatch } from './schema.ts';

const MESSAGES = { reference: 'residentId or roomId names no resident or room of this organisation', duplicate: 'This hub has a device with this id already' };

export function createDevicesService({ now }: { now: () => Date }) {
  return {
    async create(tx: Queryable, caller: Caller, input: DeviceInput): Promise<Device> {
      const s = scoped(tx, caller);
      let inserted: boolean;
      try {
        inserted = await insertDevice(s, input.hubId, input.id, { kind: input.kind, label: input.label ?? null, residentId: input.residentId ?? null, roomId: input.roomId ?? null });
      } catch (err) {
        throw constraintProblem(err, MESSAGES);
      }
      if (!inserted) throw new ProblemError('invalid-request', 'hubId names no hub of this organisation', { errors: [{ path: 'hubId', message: 'unknown hub' }] });
      await appendRecordAudit(tx, caller, 'device.create', `${input.hubId}/${input.id}`, Object.keys(input));
      return (await findDevice(s, input.hubId, input.id))!;
    },
    async get(q: Queryable, caller: Caller, hubId: string, id: string): Promise<Device> {
      const found = await findDevice(scoped(q, caller), hubId, id);
      if (found === undefined) throw new ProblemError('not-found', `No device "${id}" on hub "${hubId}"`);
      return found;
    },
    list(q: Queryable, caller: Caller): Promise<Device[]> {
      return listDevices(scoped(q, caller));
    },
    update(db: Database, caller: Caller, hubId: string, id: string, ifMatch: string | undefined, patch: DevicePatch): Promise<Device> {
      return db.transaction(async function updateOne(tx) {
        const s = scoped(tx, caller);
        const current = await findDevice(s, hubId, id, true);
        if (current === undefined) throw new ProblemError('not-found', `No device "${id}" on hub "${hubId}"`);
        // After the lookup: another organisation's id is 404 whatever the headers say.
        const expectedVersion = versionFromIfMatch(ifMatch);
        if (current.version !== expectedVersion) throw staleWrite(`Device "${id}"`, expectedVersion, current.version);
        try {
          await updateDevice(
            s,
            hubId,
            id,
            {
              kind: patch.kind ?? current.kind,
              label: patch.label !== undefined ? patch.label : current.label,
              residentId: patch.residentId !== undefined ? patch.residentId : current.residentId,
              roomId: patch.roomId !== undefined ? patch.roomId : current.roomId,
            },
            now(),
          );
        } catch (err) {
          throw constraintProblem(err, MESSAGES);
        }
        await appendRecordAudit(tx, caller, 'device.update', `${hubId}/${id}`, Object.keys(patch));
        return (await findDevice(s, hubId, id))!;
      });
    },
  };
}
