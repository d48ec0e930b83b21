/**
 * Typed, coded errors that become RFC 9457 problem+json at the HTTP edge
 * (docs/architecture.md#observability). Framework-free so services can throw them.
 */

export interface FieldIssue {
  path: string;
  message: string;
}

/** Code table: the only place a problem's status and title are written. */
export const PROBLEMS = {
  'invalid-request': { status: 400, title: 'Request is invalid' },
  unauthorized: { status: 401, title: 'Missing or invalid credentials' },
  forbidden: { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflicts with stored data' },
  'precondition-failed': { status: 412, title: 'The record changed since it was read' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'precondition-required': { status: 428, title: 'If-Match is required' },
  'too-many-requests': { status: 429, title: 'Too many requests from this hub' },
  'key-rate-limited': { status: 429, title: 'Too many requests from this API key' },
  'service-unavailable': { status: 503, title: 'Service unavailable' },
  internal: { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { status: number; title: string }>;
export type ProblemCode = keyof typeof PROBLEMS;

export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly errors: FieldIssue[] | undefined;
  /** Sent as Retry-After (429, 503): when the client may try again, in seconds. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ProblemCode, detail: string, options: { errors?: FieldIssue[]; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(detail, { cause: options.cause });
    this.name = 'ProblemError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function codeForStatus(status: number): ProblemCode {
  const found = (Object.keys(PROBLEMS) as ProblemCode[]).find((k) => PROBLEMS[k].status === status);
  return found ?? (status >= 500 ? 'internal' : 'invalid-request');
}

/** zod-style issue path → `events.0.seq`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(body)' : path.map(String).join('.');
}
