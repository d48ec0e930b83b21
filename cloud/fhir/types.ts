/**
 * What the FHIR facade (docs/fhir.md) knows about a resource type. One file per type under
 * cloud/fhir/resources/, one line in cloud/fhir/registry.ts; the routes, the CapabilityStatement and
 * the search parameter checks all read these definitions, so what is declared is what is served.
 */
import type { ScopedDb } from '../tenancy/context.ts';

/** A FHIR R4 resource as JSON. The facade only emits; an independent validator checks the shapes (test/cloud/fhir/). */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [element: string]: unknown;
}

/** FHIR search parameter types the facade implements (http://hl7.org/fhir/R4/search.html#ptypes). */
export type SearchParamType = 'token' | 'reference' | 'date' | 'string' | 'number';

export interface SearchParamDefinition {
  type: SearchParamType;
  /** Shown in the CapabilityStatement: say exactly what is supported (prefixes, systems). */
  documentation: string;
  /** The canonical SearchParameter this one implements, when it is a standard one. */
  definition?: string;
}

/** A search as the route parsed it: only declared parameters, each with all its values (repeats AND together). */
export interface SearchRequest {
  params: ReadonlyMap<string, readonly string[]>;
  count: number;
  /** One of the type's `sorts`, or undefined for its default order. */
  sort: string | undefined;
  /** The opaque position a previous page's `next` link carried. */
  cursor: string | undefined;
}

export interface SearchPage {
  resources: FhirResource[];
  /** Present when there may be more: the route puts it in the `next` link. */
  nextCursor?: string;
}

export interface FhirResourceType {
  /** The FHIR resource type, also the path segment: /fhir/{type}. */
  type: string;
  /** Profiles the emitted resources claim in meta.profile (CapabilityStatement supportedProfile). */
  supportedProfiles?: readonly string[];
  searchParams: Readonly<Record<string, SearchParamDefinition>>;
  /** Values accepted by `_sort`; the first is also the default order when `_sort` is absent. */
  sorts?: readonly string[];
  /** Reads one resource the caller may see; undefined for unknown or not visible (both answer 404). */
  read(db: ScopedDb, id: string): Promise<FhirResource | undefined>;
  search(db: ScopedDb, request: SearchRequest): Promise<SearchPage>;
}
