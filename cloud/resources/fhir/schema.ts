/** What the /fhir routes accept in their path (docs/fhir.md); search parameters are parsed in cloud/fhir/search-params.ts. */
import { z } from 'zod';
import { FHIR_ID } from '../../fhir/fhir-id.ts';

/** A resource type's name as FHIR spells them; anything else is not served (404 with an OperationOutcome). */
export const FhirTypeName = z.string().regex(/^[A-Z][A-Za-z]{1,63}$/);
/** A FHIR logical id (http://hl7.org/fhir/R4/datatypes.html#id); anything else cannot name a record here. */
export const FhirLogicalId = z.string().regex(FHIR_ID);
/** The query parameters $everything takes. */
export const EVERYTHING_QUERY_PARAMS: ReadonlySet<string> = new Set(['_count', '_cursor']);
