/**
 * The CapabilityStatement at /fhir/metadata, built from the registry, so it states exactly what the
 * routes serve: each type's read and search-type, its search parameters, its sorts and profiles,
 * and $everything on Patient (http://hl7.org/fhir/R4/capabilitystatement.html).
 */
import { DEFAULT_COUNT, MAX_COUNT } from './search-params.ts';
import type { FhirResource, FhirResourceType } from './types.ts';

export const FHIR_VERSION = '4.0.1';
export const FHIR_CONTENT_TYPE = 'application/fhir+json';
/** When what this statement describes last changed; bump it with the registry. */
export const CAPABILITY_DATE = '2026-11-25';

export interface CapabilityOptions {
  base: string;
  types: readonly FhirResourceType[];
  /** Roles admitted to every /fhir route (docs/fhir.md#roles). */
  roles: readonly string[];
}

export function capabilityStatement(options: CapabilityOptions): FhirResource {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: CAPABILITY_DATE,
    publisher: 'CareHub',
    kind: 'instance',
    software: { name: 'CareHub cloud relay' },
    implementation: { description: 'CareHub relay FHIR R4 facade (read and search)', url: options.base },
    fhirVersion: FHIR_VERSION,
    format: [FHIR_CONTENT_TYPE],
    rest: [
      {
        mode: 'server',
        documentation: `Read-only. _count defaults to ${DEFAULT_COUNT} and is cut to ${MAX_COUNT}; pages follow the Bundle's next link. Unknown search parameters are refused with 400.`,
        security: { description: `Bearer API key of an organisation, role ${options.roles.join(', ')}. A care home sees its own residents; a hospital also those referred to it while the referral is open.` },
        resource: options.types.map((t) => ({
          type: t.type,
          ...(t.supportedProfiles && t.supportedProfiles.length > 0 && { supportedProfile: [...t.supportedProfiles] }),
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          versioning: 'no-version',
          readHistory: false,
          searchParam: [
            ...Object.entries(t.searchParams).map(([name, p]) => ({ name, type: p.type, documentation: p.documentation, ...(p.definition && { definition: p.definition }) })),
            { name: '_count', type: 'number', documentation: `page size, 1..${MAX_COUNT} (larger is cut)` },
            ...(t.sorts ? [{ name: '_sort', type: 'string', documentation: `one of: ${t.sorts.join(', ')} (default ${t.sorts[0]})` }] : []),
          ],
          ...(t.type === 'Patient' && {
            operation: [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything', documentation: 'Patient, its organisation, room, bed and devices, then its Observations newest first; _count pages the Observations' }],
          }),
        })),
      },
    ],
  };
}
