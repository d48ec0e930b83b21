/** Patient ← residents and resident_identifiers (docs/fhir.md#the-mapping). */
import { z } from 'zod';
import type { ScopedDb } from '../../tenancy/context.ts';
import { invalidParam } from '../outcome.ts';
import { decodeCursor, encodeCursor, parseTokens } from '../search-params.ts';
import type { FhirResource, FhirResourceType, SearchPage } from '../types.ts';
import { residentVisibleSql } from '../visibility.ts';
import { organizationReference } from './organization.ts';

export interface PatientRow {
  id: string;
  org_id: string;
  family_name: string;
  given_name: string;
  birth_date: string;
  updated_at: Date | string;
  identifiers: Array<{ system: string; value: string }> | string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isResidentId(id: string): boolean {
  return UUID.test(id);
}

export function toPatient(row: PatientRow): FhirResource {
  const identifiers: Array<{ system: string; value: string }> = typeof row.identifiers === 'string' ? JSON.parse(row.identifiers) : row.identifiers;
  return {
    resourceType: 'Patient',
    id: row.id,
    meta: { lastUpdated: new Date(row.updated_at).toISOString() },
    ...(identifiers.length > 0 && { identifier: identifiers.map((i) => ({ system: i.system, value: i.value })) }),
    active: true,
    name: [{ use: 'official', family: row.family_name, given: [row.given_name] }],
    birthDate: row.birth_date.slice(0, 10),
    managingOrganization: organizationReference(row.org_id),
  };
}

export const SELECT_PATIENT = `
  SELECT r.id, r.org_id, r.family_name, r.given_name, r.birth_date::text AS birth_date, r.updated_at,
         coalesce((SELECT json_agg(json_build_object('system', i.system, 'value', i.value) ORDER BY i.system)
                   FROM resident_identifiers i WHERE i.resident_id = r.id), '[]'::json) AS identifiers
  FROM residents r`;

const Cursor = z.object({ after: z.string().regex(UUID) });

export const patient: FhirResourceType = {
  type: 'Patient',
  searchParams: {
    identifier: { type: 'token', documentation: 'system|value (exact), or value alone in any system; comma for OR', definition: 'http://hl7.org/fhir/SearchParameter/Patient-identifier' },
  },
  async read(db: ScopedDb, id: string) {
    if (!isResidentId(id)) return undefined;
    const { rows } = await db.query<PatientRow>(`${SELECT_PATIENT} WHERE ${residentVisibleSql(db.caller, 'r')} AND r.id = $1::uuid`, [id]);
    return rows[0] && toPatient(rows[0]);
  },
  async search(db: ScopedDb, request): Promise<SearchPage> {
    const where = [residentVisibleSql(db.caller, 'r')];
    const params: unknown[] = [];
    for (const value of request.params.get('identifier') ?? []) {
      const alternatives = parseTokens('identifier', value).map((t) => {
        params.push(t.code);
        const valueAt = `$${params.length}`;
        if (t.system === undefined) return `i.value = ${valueAt}`;
        if (t.system === '') throw invalidParam('identifier', 'every identifier has a system; use system|value or value');
        params.push(t.system);
        return `(i.value = ${valueAt} AND i.system = $${params.length})`;
      });
      where.push(`EXISTS (SELECT 1 FROM resident_identifiers i WHERE i.resident_id = r.id AND (${alternatives.join(' OR ')}))`);
    }
    if (request.cursor !== undefined) {
      params.push(decodeCursor(Cursor, request.cursor).after);
      where.push(`r.id > $${params.length}::uuid`);
    }
    params.push(request.count + 1);
    const { rows } = await db.query<PatientRow>(`${SELECT_PATIENT} WHERE ${where.join(' AND ')} ORDER BY r.id LIMIT $${params.length}`, params);
    const page = rows.slice(0, request.count);
    const last = page.at(-1);
    return { resources: page.map(toPatient), ...(rows.length > request.count && last && { nextCursor: encodeCursor({ after: last.id }) }) };
  },
};
