/** Device ← devices: a device as its hub names it, with the resident and room it is bound to (docs/fhir.md#the-mapping). */
import { z } from 'zod';
import type { ScopedDb } from '../../tenancy/context.ts';
import { hashedFhirId, hashedFhirIdSql } from '../fhir-id.ts';
import { invalidParam } from '../outcome.ts';
import { decodeCursor, encodeCursor, parseReferenceId } from '../search-params.ts';
import type { FhirResource, FhirResourceType, SearchPage } from '../types.ts';
import { roomLocationId } from './location.ts';
import { organizationReference } from './organization.ts';
import { isResidentId } from './patient.ts';

export interface DeviceRow {
  org_id: string;
  hub_id: string;
  id: string;
  kind: string;
  label: string | null;
  resident_id: string | null;
  room_id: string | null;
}

export function deviceId(hubId: string, id: string): string {
  return hashedFhirId('device', hubId, id);
}

/** The identifier system of a hub's device ids: the same id on two hubs is two devices. */
export function deviceIdentifierSystem(hubId: string): string {
  return `urn:carehub:hub:${hubId}:device`;
}

export function toDevice(row: DeviceRow): FhirResource {
  return {
    resourceType: 'Device',
    id: deviceId(row.hub_id, row.id),
    identifier: [{ system: deviceIdentifierSystem(row.hub_id), value: row.id }],
    status: 'active',
    ...(row.label !== null && { deviceName: [{ name: row.label, type: 'user-friendly-name' }] }),
    type: { text: row.kind },
    owner: organizationReference(row.org_id),
    ...(row.resident_id !== null && { patient: { reference: `Patient/${row.resident_id}` } }),
    ...(row.room_id !== null && { location: { reference: `Location/${roomLocationId(row.org_id, row.room_id)}` } }),
  };
}

export const SELECT_DEVICE = `SELECT d.org_id, d.hub_id, d.id, d.kind, d.label, d.resident_id, d.room_id FROM devices d`;

const Cursor = z.object({ hub: z.string(), id: z.string() });

export const device: FhirResourceType = {
  type: 'Device',
  searchParams: {
    patient: { type: 'reference', documentation: 'Patient/{id} or {id}: the devices bound to that resident', definition: 'http://hl7.org/fhir/SearchParameter/Device-patient' },
  },
  async read(db: ScopedDb, id: string) {
    const { rows } = await db.query<DeviceRow>(`${SELECT_DEVICE} WHERE d.org_id = $org AND ${hashedFhirIdSql('device', 'd.hub_id', 'd.id')} = $1`, [id]);
    return rows[0] && toDevice(rows[0]);
  },
  async search(db: ScopedDb, request): Promise<SearchPage> {
    const where = ['d.org_id = $org'];
    const params: unknown[] = [];
    for (const value of request.params.get('patient') ?? []) {
      const residentId = parseReferenceId('patient', 'Patient', value);
      if (!isResidentId(residentId)) throw invalidParam('patient', `"${value}" is not a Patient id`);
      params.push(residentId);
      where.push(`d.resident_id = $${params.length}::uuid`);
    }
    if (request.cursor !== undefined) {
      const after = decodeCursor(Cursor, request.cursor);
      params.push(after.hub, after.id);
      where.push(`(d.hub_id, d.id) > ($${params.length - 1}::text, $${params.length}::text)`);
    }
    params.push(request.count + 1);
    const { rows } = await db.query<DeviceRow>(`${SELECT_DEVICE} WHERE ${where.join(' AND ')} ORDER BY d.hub_id, d.id LIMIT $${params.length}`, params);
    const page = rows.slice(0, request.count);
    const last = page.at(-1);
    return { resources: page.map(toDevice), ...(rows.length > request.count && last && { nextCursor: encodeCursor({ hub: last.hub_id, id: last.id }) }) };
  },
};
