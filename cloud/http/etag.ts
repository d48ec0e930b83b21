/**
 * ETag and If-Match for records (docs/records.md#etags): every record row carries a `version`
 * bumped by each update; the ETag names it. An update must say which version it read (If-Match),
 * so two people editing the same resident cannot silently overwrite each other: the second gets 412.
 */
import { ProblemError } from '../errors.ts';

/** Strong ETag of a record version: `"3"`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The version an If-Match header names. Missing: 428 (an update without it could overwrite a change
 * the client never saw); `*` or a list or a weak tag: 400, since exactly one version must be named.
 */
export function versionFromIfMatch(header: string | undefined): number {
  if (header === undefined || header.trim() === '') {
    throw new ProblemError('precondition-required', 'Send If-Match with the ETag of the version you read (GET answers it)');
  }
  const m = /^\s*"(\d{1,9})"\s*$/.exec(header);
  if (m === null) throw new ProblemError('invalid-request', `If-Match must be one strong ETag such as "3", got ${JSON.stringify(header.slice(0, 80))}`);
  return Number(m[1]);
}

/** The 412 for an update whose If-Match named an older version than the stored one. */
export function staleWrite(what: string, sent: number, current: number): ProblemError {
  return new ProblemError('precondition-failed', `${what} is at version ${etagOf(current)}, the update named ${etagOf(sent)}: read it again and reapply the change`);
}

/** The ETag response header as the OpenAPI document declares it on every versioned record. */
export const ETAG_RESPONSE_HEADER = { ETag: { schema: { type: 'string' as const }, description: 'Version of the record, for If-Match' } };
