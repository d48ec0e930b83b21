/** Organization ← orgs: the caller's own organisation (care home, hospital or pharmacy). */
import { z } from 'zod';
import type { ScopedDb } from '../../tenancy/context.ts';
import { hashedFhirId, hashedFhirIdSql } from '../fhir-id.ts';
import { decodeCursor, encodeCursor } from '../search-params.ts';
import type { FhirResource, FhirResourceType, SearchPage } from '../types.ts';

export const ORG_IDENTIFIER_SYSTEM = 'urn:carehub:org';
const ORG_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';

export interface OrganizationRow {
  id: string;
  name: string;
  kind: string;
}

export function organizationId(orgId: string): string {
  return hashedFhirId('org', orgId);
}

export function organizationReference(orgId: string): { reference: string } {
  return { reference: `Organization/${organizationId(orgId)}` };
}

/** All three kinds provide care ('prov'); the kind itself is the type's text. */
export function toOrganization(row: OrganizationRow): FhirResource {
  return {
    resourceType: 'Organization',
    id: organizationId(row.id),
    identifier: [{ system: ORG_IDENTIFIER_SYSTEM, value: row.id }],
    active: true,
    type: [{ coding: [{ system: ORG_TYPE, code: 'prov', display: 'Healthcare Provider' }], text: row.kind }],
    name: row.name,
  };
}

const SELECT = `SELECT o.id, o.name, o.kind FROM orgs o WHERE o.id = $org`;

export const organization: FhirResourceType = {
  type: 'Organization',
  searchParams: {},
  async read(db: ScopedDb, id: string) {
    const { rows } = await db.query<OrganizationRow>(`${SELECT} AND ${hashedFhirIdSql('org', 'o.id')} = $1`, [id]);
    return rows[0] && toOrganization(rows[0]);
  },
  async search(db: ScopedDb, request): Promise<SearchPage> {
    // One organisation at most: its own. The cursor only says "already sent".
    if (request.cursor !== undefined) {
      decodeCursor(z.literal('end'), request.cursor);
      return { resources: [] };
    }
    const { rows } = await db.query<OrganizationRow>(SELECT);
    return { resources: rows.map(toOrganization), ...(rows.length > request.count && { nextCursor: encodeCursor('end') }) };
  },
};
