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

/** What /openapi.json holds besides the paths (docs/rest-api.md). */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string; license?: { name: string; identifier?: string; url?: string } };
  servers?: Array<{ url: string; description?: string }>;
  paths?: Record<string, Record<string, { operationId?: string } & Record<string, unknown>>>;
  [key: string]: unknown;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * An operationId for every operation that does not name one: the method and the path's words
 * (`GET /v1/hubs/{id}/downlink` → `getHubsByIdDownlink`), stable as long as the route is. Clients
 * generated from the document name their functions after these.
 */
export function withOperationIds<T extends OpenApiDocument>(doc: T): T {
  const used = new Set<string>();
  for (const ops of Object.values(doc.paths ?? {})) for (const op of Object.values(ops)) if (typeof op.operationId === 'string') used.add(op.operationId);
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      if (!HTTP_METHODS.has(method) || typeof op.operationId === 'string') continue;
      const words = path
        .split('/')
        .filter((s) => s !== '' && s !== 'v1')
        .map((s) => (s.startsWith('{') ? `by-${s.slice(1, -1)}` : s))
        .flatMap((s) => s.split(/[^A-Za-z0-9]+/))
        .filter((w) => w !== '');
      let id = [method, ...words].map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
      for (let n = 2; used.has(id); n++) id = `${id}${n}`;
      used.add(id);
      op.operationId = id;
    }
  }
  return doc;
}

/** The API's licence as /openapi.json states it: the project has chosen none, so no rights are granted (docs/rest-api.md). */
export const API_LICENSE = { name: 'UNLICENSED (proprietary, all rights reserved)', url: 'https://docs.npmjs.com/cli/configuring-npm/package-json#license' } as const;
