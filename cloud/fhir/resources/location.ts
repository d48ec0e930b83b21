/** Location ← rooms and beds; a bed is partOf its room (docs/fhir.md#the-mapping). */
import { z } from 'zod';
import type { ScopedDb } from '../../tenancy/context.ts';
import { hashedFhirId, hashedFhirIdSql } from '../fhir-id.ts';
import { decodeCursor, encodeCursor } from '../search-params.ts';
import type { FhirResource, FhirResourceType, SearchPage } from '../types.ts';
import { organizationReference } from './organization.ts';

const PHYSICAL_TYPE = 'http://terminology.hl7.org/CodeSystem/location-physical-type';

export interface LocationRow {
  fhir_id: string;
  kind: 'room' | 'bed';
  org_id: string;
  id: string;
  name: string;
  room_id: string | null;
}

export function roomLocationId(orgId: string, roomId: string): string {
  return hashedFhirId('room', orgId, roomId);
}

export function bedLocationId(orgId: string, bedId: string): string {
  return hashedFhirId('bed', orgId, bedId);
}

export function toLocation(row: LocationRow): FhirResource {
  const isRoom = row.kind === 'room';
  return {
    resourceType: 'Location',
    id: row.fhir_id,
    identifier: [{ system: `urn:carehub:org:${row.org_id}:${row.kind}`, value: row.id }],
    status: 'active',
    name: row.name,
    mode: 'instance',
    physicalType: { coding: [{ system: PHYSICAL_TYPE, code: isRoom ? 'ro' : 'bd', display: isRoom ? 'Room' : 'Bed' }] },
    managingOrganization: organizationReference(row.org_id),
    ...(!isRoom && row.room_id !== null && { partOf: { reference: `Location/${roomLocationId(row.org_id, row.room_id)}` } }),
  };
}

// Rooms then beds, one ordered list: (kind, id) is the page position.
const LOCATIONS = `
  SELECT * FROM (
    SELECT ${hashedFhirIdSql('room', 'r.org_id', 'r.id')} AS fhir_id, 'room' AS kind, r.org_id, r.id, r.name, NULL::text AS room_id FROM rooms r WHERE r.org_id = $org
    UNION ALL
    SELECT ${hashedFhirIdSql('bed', 'b.org_id', 'b.id')}, 'bed', b.org_id, b.id, b.label, b.room_id FROM beds b WHERE b.org_id = $org
  ) l`;

const Cursor = z.object({ kind: z.enum(['room', 'bed']), id: z.string() });

export const location: FhirResourceType = {
  type: 'Location',
  searchParams: {},
  async read(db: ScopedDb, id: string) {
    const { rows } = await db.query<LocationRow>(`${LOCATIONS} WHERE l.fhir_id = $1`, [id]);
    return rows[0] && toLocation(rows[0]);
  },
  async search(db: ScopedDb, request): Promise<SearchPage> {
    const params: unknown[] = [];
    let where = '';
    if (request.cursor !== undefined) {
      const after = decodeCursor(Cursor, request.cursor);
      params.push(after.kind === 'room' ? 0 : 1, after.id);
      where = `WHERE (CASE l.kind WHEN 'room' THEN 0 ELSE 1 END, l.id) > ($1::int, $2::text)`;
    }
    params.push(request.count + 1);
    const { rows } = await db.query<LocationRow>(
      `${LOCATIONS} ${where} ORDER BY CASE l.kind WHEN 'room' THEN 0 ELSE 1 END, l.id LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, request.count);
    const last = page.at(-1);
    return { resources: page.map(toLocation), ...(rows.length > request.count && last && { nextCursor: encodeCursor({ kind: last.kind, id: last.id }) }) };
  },
};
