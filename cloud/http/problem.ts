/**
 * The one error shape of the relay (RFC 9457): every non-2xx answer is built
 * here, from app.onError and app.notFound (docs/architecture.md#observability).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { codeForStatus, PROBLEMS, ProblemError, type FieldIssue, type ProblemCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldIssue[];
}

export function problemBody(code: ProblemCode, detail: string, errors?: FieldIssue[]): Problem {
  const { status, title } = PROBLEMS[code];
  return { type: `urn:carehub:problem:${code}`, title, status, detail, ...(errors ? { errors } : {}) };
}

function send(c: Context, metrics: Metrics, body: Problem, headers: Record<string, string> = {}): Response {
  metrics.rejected(body.status);
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}

export function createErrorHandler(logger: Logger, metrics: Metrics) {
  return function handleError(err: Error, c: Context): Response {
    if (err instanceof ProblemError) {
      const headers: Record<string, string> = err.code === 'unauthorized' ? { 'www-authenticate': 'Bearer' } : {};
      if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
      return send(c, metrics, problemBody(err.code, err.message, err.errors), headers);
    }
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own rejections: malformed JSON (400), body limit (413), media type gate (415).
      return send(c, metrics, problemBody(codeForStatus(err.status), err.message || PROBLEMS[codeForStatus(err.status)].title));
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unexpected error');
    return send(c, metrics, problemBody('internal', 'The request could not be completed; it has been logged.'));
  };
}

export function createNotFoundHandler(metrics: Metrics) {
  return function handleNotFound(c: Context): Response {
    return send(c, metrics, problemBody('not-found', `No route for ${c.req.method} ${c.req.path}`));
  };
}
