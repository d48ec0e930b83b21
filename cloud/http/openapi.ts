/**
 * OpenAPI plumbing shared by resources: the problem schema, the hook that
 * turns zod failures into one 400 problem, and the app factory every
 * resource's routes use so their operations land in /openapi.json.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { issuePath, ProblemError } from '../errors.ts';
import type { AppEnv } from './env.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';

const MAX_ISSUES = 100;

export const FieldIssueSchema = z.object({ path: z.string(), message: z.string() });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(FieldIssueSchema).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** Response entries for the given problem statuses, to spread into a route's `responses`. */
export function problemResponses<S extends number>(...statuses: S[]): Record<S, { description: string; content: { [PROBLEM_CONTENT_TYPE]: { schema: typeof ProblemSchema } } }> {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: `Problem (${s})`, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } }]),
  ) as Record<S, { description: string; content: { [PROBLEM_CONTENT_TYPE]: { schema: typeof ProblemSchema } } }>;
}

export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: function rejectInvalid(result) {
      if (!result.success) {
        const errors = result.error.issues.flatMap((issue) =>
          issue.code === 'unrecognized_keys'
            ? issue.keys.map((k) => ({ path: issuePath([...issue.path, k]), message: 'unknown key' }))
            : [{ path: issuePath(issue.path), message: issue.message }],
        );
        // A hostile body can carry thousands of issues; the first ones are enough to fix it.
        const shown = errors.slice(0, MAX_ISSUES);
        const more = errors.length > MAX_ISSUES ? ` (first ${MAX_ISSUES} of ${errors.length} issues)` : '';
        throw new ProblemError('invalid-request', `${result.target === 'json' ? 'body' : result.target} failed validation${more}`, { errors: shown });
      }
    },
  });
}

export const BEARER_SECURITY = [{ bearer: [] as string[] }];
