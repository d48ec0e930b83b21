/**
 * FHIR errors: every non-2xx answer under /fhir is an OperationOutcome
 * (http://hl7.org/fhir/R4/operationoutcome.html), as the relay's other routes answer problem+json.
 */
import { PROBLEMS, ProblemError } from '../errors.ts';
import type { FhirResource } from './types.ts';

/** OperationOutcome.issue.code values the facade uses (http://hl7.org/fhir/R4/valueset-issue-type.html). */
export type IssueType = 'invalid' | 'not-found' | 'not-supported' | 'forbidden' | 'login' | 'throttled' | 'too-costly' | 'exception' | 'transient';

export class FhirError extends Error {
  readonly status: number;
  readonly issueType: IssueType;
  /** FHIRPath-ish location of the problem: the search parameter or element (OperationOutcome.issue.expression). */
  readonly expression: string | undefined;

  constructor(status: number, issueType: IssueType, message: string, options: { expression?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'FhirError';
    this.status = status;
    this.issueType = issueType;
    this.expression = options.expression;
  }
}

export function invalidParam(name: string, message: string): FhirError {
  return new FhirError(400, 'invalid', `Search parameter ${name}: ${message}`, { expression: name });
}

export function operationOutcome(issueType: IssueType, message: string, expression?: string): FhirResource {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: issueType === 'exception' || issueType === 'transient' ? 'fatal' : 'error', code: issueType, diagnostics: message, ...(expression ? { expression: [expression] } : {}) }],
  };
}

/** The relay's own coded errors (authentication, roles, rate limits) as FHIR issue types. */
const ISSUE_OF_STATUS: Readonly<Record<number, IssueType>> = { 400: 'invalid', 401: 'login', 403: 'forbidden', 404: 'not-found', 405: 'not-supported', 413: 'too-costly', 429: 'throttled', 503: 'transient' };

export function outcomeOfProblem(err: ProblemError): { status: number; outcome: FhirResource } {
  const issue = ISSUE_OF_STATUS[err.status] ?? (err.status >= 500 ? 'exception' : 'invalid');
  const details = err.errors?.map((e) => `${e.path}: ${e.message}`).join('; ');
  return { status: err.status, outcome: operationOutcome(issue, `${PROBLEMS[err.code].title}: ${err.message}${details ? ` (${details})` : ''}`) };
}
