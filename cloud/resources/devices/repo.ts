/** SQL for devices; every statement names the caller's organisation (`$org`, docs/records.md#tenancy). */
import type { ScopedDb } from '../../tenancy/context.ts';
import type { Device } from './schema.ts';

interface DeviceRow {
  hub_id: string;
  id: string;
  kind: string;
  label: string | null;
  resident_id: string | null;
  room_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toDevice(r: DeviceRow): Device {
  return {
    hubId: r.hub_id,
    id: r.id,
    kind: r.kind,
    label: r.label,
    residentId: r.resident_id,
    roomId: r.room_id,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export interface DeviceFields {
  kind: string;
  label: string | null;
  residentId: string | null;
  roomId: string | null;
}

/** False when the hub is not one of the caller's organisation. */
export async function insertDevice(s: ScopedDb, hubId: string, id: string, f: DeviceFields): Promise<boolean> {
  const { rows } = await s.query(
    `INSERT INTO devices (org_id, hub_id, id, kind, label, resident_id, room_id)
     SELECT h.org_id, h.id, $2, $3, $4, $5, $6 FROM hubs h WHERE h.id = $1 AND h.org_id = $org RETURNING id`,
    [hubId, id, f.kind, f.label, f.residentId, f.roomId],
  );
  return rows.length === 1;
}

export async function findDevice(s: ScopedDb, hubId: string, id: string, forUpdate = false): Promise<Device | undefined> {
  const { rows } = await s.query<DeviceRow>(`SELECT * FROM devices WHERE org_id = $org AND hub_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`, [hubId, id]);
  return rows[0] === undefined ? undefined : toDevice(rows[0]);
}

export async function listDevices(s: ScopedDb): Promise<Device[]> {
  const { rows } = await s.query<DeviceRow>('SELECT * FROM devices WHERE org_id = $org ORDER BY hub_id, id LIMIT 5000');
  return rows.map(toDevice);
}

export async function updateDevice(s: ScopedDb, hubId: string, id: string, f: DeviceFields, at: Date): Promise<void> {
  await s.query(
    `UPDATE devices SET kind = $3, label = $4, resident_id = $5, room_id = $6, version = version + 1, updated_at = $7
     WHERE org_id = $org AND hub_id = $1 AND id = $2`,
    [hubId, id, f.kind, f.label, f.residentId, f.roomId, at.toISOString()],
  );
}
