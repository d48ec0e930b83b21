/**
 * The default request body limit (docs/access.md#every-request): every route gets it unless it sets
 * its own, larger one (hub ingest, the downlink document and its report) — those routes mount their
 * own bodyLimit and are skipped here, so their limit is the one that answers.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DOWNLINK_REPORT_PATH } from '../../protocols/downlink.ts';
import { INGEST_PATH } from '../../protocols/wire.ts';
import { ProblemError } from '../errors.ts';

/** Routes with a limit of their own (bytes in their routes.ts). */
const OWN_LIMIT = [new RegExp(`^${INGEST_PATH}$`), new RegExp(`^${DOWNLINK_REPORT_PATH}$`), /^\/v1\/hubs\/[^/]+\/downlink$/];

export function restBodyLimit(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError() {
      throw new ProblemError('payload-too-large', `Request bodies are limited to ${maxBytes} bytes`);
    },
  });
  return async function limitBody(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || OWN_LIMIT.some((p) => p.test(c.req.path))) return next();
    return limit(c, next);
  };
}
