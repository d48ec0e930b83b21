/**
 * FHIR logical ids for records whose own keys are not FHIR ids. A FHIR id is
 * [A-Za-z0-9\-.]{1,64} and unique per type on the server (http://hl7.org/fhir/R4/datatypes.html#id),
 * while rooms and devices are keyed per organisation or hub with free text ('room_1', 'hub:3').
 * The id is a hash of the kind and the key parts: stable, unique, and computable in SQL too, so a
 * read by id finds the row with the same expression.
 */
import { createHash } from 'node:crypto';

export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** 32 hex digits (128 bits) of SHA-256 over the kind and the parts, newline-separated. */
export function hashedFhirId(kind: string, ...parts: string[]): string {
  return createHash('sha256').update([kind, ...parts].join('\n'), 'utf8').digest('hex').slice(0, 32);
}

/** The same id in SQL, from column expressions (`hashedFhirIdSql('room', 'r.org_id', 'r.id')`). */
export function hashedFhirIdSql(kind: string, ...columns: string[]): string {
  if (!/^[a-z-]+$/.test(kind)) throw new Error(`hashedFhirIdSql: kind "${kind}" must be lower-case letters`);
  const joined = [`'${kind}'`, ...columns].join(` || chr(10) || `);
  return `substr(encode(sha256(convert_to(${joined}, 'UTF8')), 'hex'), 1, 32)`;
}
