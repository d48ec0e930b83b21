/**
 * A resource type with no search parameters of its own: read by id, searched in id order with a
 * keyset cursor, over a SELECT that already holds the caller's visibility (`$org`, docs/fhir.md).
 * MedicationRequest, MedicationDispense, ServiceRequest and Task share this shape.
 */
import { z } from 'zod';
import type { ScopedDb } from '../tenancy/context.ts';
import { decodeCursor, encodeCursor } from './search-params.ts';
import type { FhirResource, FhirResourceType, SearchPage } from './types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const Cursor = z.object({ after: z.string().regex(UUID) });

/**
 * @param select a SELECT ending in a WHERE clause (more conditions are ANDed to it)
 * @param idColumn the qualified id column of `select`, e.g. `p.id`
 */
export function idPagedResourceType<Row extends { id: string }>(
  type: string,
  select: string,
  idColumn: string,
  map: (row: Row) => FhirResource,
): FhirResourceType {
  return {
    type,
    searchParams: {},
    async read(db: ScopedDb, id: string) {
      if (!UUID.test(id)) return undefined;
      const { rows } = await db.query<Row>(`${select} AND ${idColumn} = $1`, [id]);
      return rows[0] && map(rows[0]);
    },
    async search(db: ScopedDb, request): Promise<SearchPage> {
      const after = request.cursor === undefined ? null : decodeCursor(Cursor, request.cursor).after;
      const { rows } = await db.query<Row>(
        `${select} AND ($1::uuid IS NULL OR ${idColumn} > $1::uuid) ORDER BY ${idColumn} LIMIT $2`,
        [after, request.count + 1],
      );
      const page = rows.slice(0, request.count);
      const last = page.at(-1);
      return { resources: page.map(map), ...(rows.length > request.count && last && { nextCursor: encodeCursor({ after: last.id }) }) };
    },
  };
}
