/** Searchset Bundles with self and next links (http://hl7.org/fhir/R4/bundle.html, http://hl7.org/fhir/R4/http.html#paging). */
import { CURSOR_PARAM } from './search-params.ts';
import type { FhirResource } from './types.ts';

export interface BundleEntryInput {
  resource: FhirResource;
  /** 'match' for what the search asked for; 'include' for what came along ($everything's patient context). */
  mode?: 'match' | 'include';
}

export interface SearchsetOptions {
  /** The FHIR base URL, e.g. https://relay.example/fhir: fullUrls are `${base}/${type}/${id}`. */
  base: string;
  /** The URL this page was asked with. */
  self: URL;
  /** Present when there may be more: the next link is self with this `_cursor`. */
  nextCursor?: string;
  entries: readonly BundleEntryInput[];
  timestamp: Date;
}

export function searchsetBundle(options: SearchsetOptions): FhirResource {
  const link = [{ relation: 'self', url: options.self.toString() }];
  if (options.nextCursor !== undefined) {
    const next = new URL(options.self);
    next.searchParams.set(CURSOR_PARAM, options.nextCursor);
    link.push({ relation: 'next', url: next.toString() });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: options.timestamp.toISOString(),
    link,
    entry: options.entries.map(({ resource, mode }) => ({
      fullUrl: `${options.base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: mode ?? 'match' },
    })),
  };
}
