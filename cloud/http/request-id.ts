/**
 * Request ids (docs/access.md#every-request): every response carries X-Request-Id, and every log
 * line written while the request is handled carries it as `reqId` (the root logger's mixin reads
 * it from here), so one id finds a request's log lines across modules without passing a logger
 * down. A client's own X-Request-Id is kept when it is a plain token; anything else is replaced,
 * so a client cannot inject text into our logs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const CLIENT_ID = /^[A-Za-z0-9._:-]{8,128}$/;

const current = new AsyncLocalStorage<string>();

/** The id of the request being handled, if any (pino mixin). */
export function currentRequestId(): string | undefined {
  return current.getStore();
}

export function requestIds(): MiddlewareHandler {
  return async function assignRequestId(c, next) {
    const offered = c.req.header(REQUEST_ID_HEADER);
    const id = offered !== undefined && CLIENT_ID.test(offered) ? offered : randomUUID();
    await current.run(id, next);
    // After next(): the final response, also one built by the error handler or notFound.
    c.header(REQUEST_ID_HEADER, id);
  };
}
