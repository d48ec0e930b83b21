/** SQL for rooms and beds; every statement names the caller's organisation (`$org`, docs/records.md#tenancy). */
import type { ScopedDb } from '../../tenancy/context.ts';
import type { Bed, Room } from './schema.ts';

interface RoomRow {
  id: string;
  name: string;
  floor: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  beds: Bed[] | string;
}

const SELECT_ROOM = `
  SELECT r.id, r.name, r.floor, r.version, r.created_at, r.updated_at,
         coalesce((SELECT json_agg(json_build_object('id', b.id, 'roomId', b.room_id, 'label', b.label, 'version', b.version) ORDER BY b.id)
                   FROM beds b WHERE b.org_id = r.org_id AND b.room_id = r.id), '[]'::json) AS beds
  FROM rooms r`;

function toRoom(r: RoomRow): Room {
  return {
    id: r.id,
    name: r.name,
    floor: r.floor,
    beds: typeof r.beds === 'string' ? (JSON.parse(r.beds) as Bed[]) : r.beds,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export async function insertRoom(s: ScopedDb, id: string, name: string, floor: string | null): Promise<void> {
  await s.query('INSERT INTO rooms (org_id, id, name, floor) VALUES ($org, $1, $2, $3)', [id, name, floor]);
}

export async function findRoom(s: ScopedDb, id: string, forUpdate = false): Promise<Room | undefined> {
  const { rows } = await s.query<RoomRow>(`${SELECT_ROOM} WHERE r.org_id = $org AND r.id = $1${forUpdate ? ' FOR UPDATE OF r' : ''}`, [id]);
  return rows[0] === undefined ? undefined : toRoom(rows[0]);
}

export async function listRooms(s: ScopedDb): Promise<Room[]> {
  const { rows } = await s.query<RoomRow>(`${SELECT_ROOM} WHERE r.org_id = $org ORDER BY r.id LIMIT 5000`);
  return rows.map(toRoom);
}

export async function updateRoom(s: ScopedDb, id: string, name: string, floor: string | null, at: Date): Promise<void> {
  await s.query('UPDATE rooms SET name = $2, floor = $3, version = version + 1, updated_at = $4 WHERE org_id = $org AND id = $1', [id, name, floor, at.toISOString()]);
}

export async function insertBed(s: ScopedDb, roomId: string, id: string, label: string): Promise<void> {
  await s.query('INSERT INTO beds (org_id, room_id, id, label) VALUES ($org, $1, $2, $3)', [roomId, id, label]);
}
