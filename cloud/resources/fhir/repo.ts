/**
 * The facade's store binding: every read goes through the registry's types with the repository
 * bound to the caller (`scoped(db, caller)`: each query names `$org`), so no route can forget
 * the organisation (docs/fhir.md#tenancy).
 */
import { patientEverything } from '../../fhir/everything.ts';
import { fhirTypeNamed } from '../../fhir/registry.ts';
import type { FhirResource, FhirResourceType, SearchPage, SearchRequest } from '../../fhir/types.ts';
import type { Queryable } from '../../store/database.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';

export interface FhirRepository {
  read(type: FhirResourceType, id: string): Promise<FhirResource | undefined>;
  search(type: FhirResourceType, request: SearchRequest): Promise<SearchPage>;
  everything(patientId: string, page: Pick<SearchRequest, 'count' | 'cursor'>): ReturnType<typeof patientEverything>;
}

export function fhirRepository(db: Queryable, caller: Caller): FhirRepository {
  const s = scoped(db, caller);
  return {
    read: (type, id) => type.read(s, id),
    search: (type, request) => type.search(s, request),
    everything: (patientId, page) => patientEverything(s, patientId, page),
  };
}

export { fhirTypeNamed };
