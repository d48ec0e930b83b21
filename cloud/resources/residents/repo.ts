/**
 * SQL for residents and their identifiers. Tenancy lives here: every function takes the caller
 * and filters by its organisation, so a route cannot forget it (docs/records.md#tenancy).
 */
import type { ScopedDb } from '../../tenancy/context.ts';
import type { Resident } from './schema.ts';

export const HUB_IDENTIFIER_PREFIX = 'urn:carehub:hub:';

interface ResidentRow {
  id: string;
  family_name: string;
  given_name: string;
  birth_date: Date | string;
  room_id: string | null;
  bed_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  identifiers: Array<{ system: string; value: string }> | string;
}

/** A `date` column: PGlite and pg parse it to a local-midnight Date; the API shows YYYY-MM-DD. */
function isoDate(v: Date | string): string {
  if (typeof v === 'string') return v.slice(0, 10);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${v.getFullYear()}-${p(v.getMonth() + 1)}-${p(v.getDate())}`;
}

function toResident(r: ResidentRow): Resident {
  const identifiers = typeof r.identifiers === 'string' ? (JSON.parse(r.identifiers) as Array<{ system: string; value: string }>) : r.identifiers;
  return {
    id: r.id,
    identifiers,
    familyName: r.family_name,
    givenName: r.given_name,
    birthDate: isoDate(r.birth_date),
    roomId: r.room_id,
    bedId: r.bed_id,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

const SELECT_RESIDENT = `
  SELECT r.id, r.family_name, r.given_name, r.birth_date::text AS birth_date, r.room_id, r.bed_id, r.version, r.created_at, r.updated_at,
         coalesce((SELECT json_agg(json_build_object('system', i.system, 'value', i.value) ORDER BY i.system)
                   FROM resident_identifiers i WHERE i.resident_id = r.id), '[]'::json) AS identifiers
  FROM residents r`;

export interface ResidentFields {
  familyName: string;
  givenName: string;
  birthDate: string;
  roomId: string | null;
  bedId: string | null;
}

export async function insertResident(s: ScopedDb, id: string, f: ResidentFields, at: Date): Promise<void> {
  await s.query(
    `INSERT INTO residents (id, org_id, family_name, given_name, birth_date, room_id, bed_id, created_at, updated_at)
     VALUES ($1, $org, $2, $3, $4, $5, $6, $7, $7)`,
    [id, f.familyName, f.givenName, f.birthDate, f.roomId, f.bedId, at.toISOString()],
  );
}

/** Updates only at the expected version; undefined when the row is missing or moved on (the caller tells which). */
export async function updateResident(s: ScopedDb, id: string, expectedVersion: number, f: ResidentFields, at: Date): Promise<boolean> {
  const { rows } = await s.query(
    `UPDATE residents SET family_name = $3, given_name = $4, birth_date = $5, room_id = $6, bed_id = $7,
            version = version + 1, updated_at = $8
     WHERE org_id = $org AND id = $1 AND version = $2 RETURNING id`,
    [id, expectedVersion, f.familyName, f.givenName, f.birthDate, f.roomId, f.bedId, at.toISOString()],
  );
  return rows.length === 1;
}

/** Replaces the identifier list and links observations the hubs sent before this resident was known. */
export async function replaceIdentifiers(s: ScopedDb, residentId: string, identifiers: ReadonlyArray<{ system: string; value: string }>): Promise<void> {
  await s.query('DELETE FROM resident_identifiers WHERE resident_id = $1 AND org_id = $org', [residentId]);
  if (identifiers.length === 0) return;
  const json = JSON.stringify(identifiers);
  await s.query(
    `INSERT INTO resident_identifiers (resident_id, org_id, system, value)
     SELECT $1, $org, system, value FROM jsonb_to_recordset($2::jsonb) AS x(system text, value text)`,
    [residentId, json],
  );
  await s.query(
    `UPDATE observations o SET resident_id = $1
     FROM jsonb_to_recordset($2::jsonb) AS x(system text, value text)
     WHERE x.system LIKE '${HUB_IDENTIFIER_PREFIX}%' AND o.org_id = $org AND o.resident_id IS NULL
       AND o.hub_id = substr(x.system, ${HUB_IDENTIFIER_PREFIX.length + 1}) AND o.hub_resident_id = x.value`,
    [residentId, json],
  );
}

export async function findResident(s: ScopedDb, id: string, forUpdate = false): Promise<Resident | undefined> {
  const { rows } = await s.query<ResidentRow>(`${SELECT_RESIDENT} WHERE r.org_id = $org AND r.id = $1${forUpdate ? ' FOR UPDATE OF r' : ''}`, [id]);
  return rows[0] === undefined ? undefined : toResident(rows[0]);
}

/** Keyset page by id (UUIDv7: creation order). */
export async function listResidents(s: ScopedDb, after: string | undefined, limit: number): Promise<Resident[]> {
  const { rows } = await s.query<ResidentRow>(
    `${SELECT_RESIDENT} WHERE r.org_id = $org AND ($1::uuid IS NULL OR r.id > $1::uuid) ORDER BY r.id LIMIT $2`,
    [after ?? null, limit],
  );
  return rows.map(toResident);
}

/** The room a bed of the caller's organisation is in; undefined for an unknown bed. */
export async function roomOfBed(s: ScopedDb, bedId: string): Promise<string | undefined> {
  const { rows } = await s.query<{ room_id: string }>('SELECT room_id FROM beds WHERE org_id = $org AND id = $1', [bedId]);
  return rows[0]?.room_id;
}
