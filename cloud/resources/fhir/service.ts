/**
 * The facade's answers, apart from HTTP (no Hono here): a read, a searchset page, $everything.
 * Errors are FhirErrors; the routes turn them into OperationOutcomes.
 */
import { searchsetBundle } from '../../fhir/bundle.ts';
import { FhirError } from '../../fhir/outcome.ts';
import { parseSearch } from '../../fhir/search-params.ts';
import type { FhirResource } from '../../fhir/types.ts';
import type { Database } from '../../store/database.ts';
import type { Caller } from '../../tenancy/context.ts';
import { auditForeignReads } from './audit.ts';
import { fhirRepository, fhirTypeNamed } from './repo.ts';
import { EVERYTHING_QUERY_PARAMS, FhirLogicalId, FhirTypeName } from './schema.ts';

export interface FhirServiceOptions {
  db: Database;
  now: () => Date;
}

export interface FhirService {
  read(caller: Caller, typeName: string, id: string): Promise<FhirResource>;
  search(caller: Caller, typeName: string, url: URL, base: string): Promise<FhirResource>;
  everything(caller: Caller, patientId: string, url: URL, base: string): Promise<FhirResource>;
}

function typeOf(typeName: string) {
  const type = FhirTypeName.safeParse(typeName).success ? fhirTypeNamed(typeName) : undefined;
  if (!type) throw new FhirError(404, 'not-supported', `Resource type ${typeName} is not served (see /fhir/metadata)`);
  return type;
}

export function createFhirService(options: FhirServiceOptions): FhirService {
  const { db, now } = options;
  return {
    async read(caller, typeName, id) {
      const type = typeOf(typeName);
      const found = FhirLogicalId.safeParse(id).success ? await fhirRepository(db, caller).read(type, id) : undefined;
      // Unknown and not visible answer the same 404, so ids of other organisations leak nothing.
      if (!found) throw new FhirError(404, 'not-found', `${type.type}/${id} is not known`);
      await auditForeignReads(db, caller, 'read', [found]);
      return found;
    },
    async search(caller, typeName, url, base) {
      const type = typeOf(typeName);
      const page = await fhirRepository(db, caller).search(type, parseSearch(type, url.searchParams));
      await auditForeignReads(db, caller, 'search', page.resources);
      const entries = page.resources.map((resource) => ({ resource }));
      return searchsetBundle({ base, self: url, entries, timestamp: now(), ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) });
    },
    async everything(caller, patientId, url, base) {
      for (const name of url.searchParams.keys()) {
        if (!EVERYTHING_QUERY_PARAMS.has(name)) throw new FhirError(400, 'invalid', `$everything parameter ${name} is not supported (_count is)`, { expression: name });
      }
      // The paging parameters mean what they mean for an Observation search.
      const { count, cursor } = parseSearch(typeOf('Observation'), url.searchParams);
      const page = await fhirRepository(db, caller).everything(patientId, { count, cursor });
      await auditForeignReads(db, caller, 'everything', page.entries.map((e) => e.resource));
      return searchsetBundle({ base, self: url, entries: page.entries, timestamp: now(), ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) });
    },
  };
}
