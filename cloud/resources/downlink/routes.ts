/**
 * Downlink routes (docs/downlink.md): operators write and read a hub's document with their
 * organisation's API key; a hub reads (and reports on) only its own, with its hub token.
 */
import { createRoute } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { DOWNLINK_PATH, DOWNLINK_REPORT_PATH } from '../../../protocols/downlink.ts';
import { ProblemError } from '../../errors.ts';
import { requireHub } from '../../http/auth.ts';
import { requireRoles } from '../../tenancy/context.ts';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import type { Resource } from '../types.ts';
import {
  DownlinkContent,
  DownlinkDocument,
  DownlinkReport,
  DownlinkWaitQuery,
  HubIdParam,
  MAX_DOWNLINK_BODY_BYTES,
  OperatorDownlink,
} from './schema.ts';
import { createDownlinkService, parseIfNoneMatch } from './service.ts';

export const downlink: Resource = {
  id: 'downlink',
  routes(deps) {
    const service = createDownlinkService({ db: deps.db, now: deps.now, ...(deps.closing && { closing: deps.closing }) });
    const router = createRouter();
    /**
     * A relay shutting down answers held long-polls at once (service.ts); it must not then be held
     * open by a hub that polls again over its kept-alive connection, so those answers close it.
     * After the handler, so it also marks the problem answers the error handler builds.
     */
    const closeWhenClosing = createMiddleware(async function closeWhenClosing(c, next) {
      await next();
      if (deps.closing?.aborted) c.res.headers.set('connection', 'close');
    });
    const limit = bodyLimit({
      maxSize: MAX_DOWNLINK_BODY_BYTES,
      onError() {
        throw new ProblemError('payload-too-large', `Downlink bodies are limited to ${MAX_DOWNLINK_BODY_BYTES} bytes`);
      },
    });

    router.openapi(
      createRoute({
        method: 'put',
        path: '/v1/hubs/{id}/downlink',
        'x-roles': ['operator'],
        summary: "Replace a hub's downlink (a new version)",
        description:
          'The body is the whole document: rooms, residents and device bindings the hub applies over its own config. Every PUT makes a new version; the hub pulls it, applies it as a whole or refuses it as a whole, and reports which (hubReport).',
        tags: ['downlink'],
        security: BEARER_SECURITY,
        middleware: [limit, requireRoles('operator')] as const,
        request: { params: HubIdParam, body: { required: true, content: { 'application/json': { schema: DownlinkContent } } } },
        responses: {
          200: { description: 'The new version', content: { 'application/json': { schema: OperatorDownlink } } },
          ...problemResponses(400, 401, 403, 404, 413, 415, 500),
        },
      }),
      async function handlePutDownlink(c) {
        const saved = await service.put(c.get('principal'), c.req.valid('param').id, c.req.valid('json'));
        deps.logger.info({ hubId: saved.hubId, version: saved.version, by: saved.updatedBy }, 'downlink written');
        return c.json(saved, 200);
      },
    );

    router.openapi(
      createRoute({
        method: 'get',
        path: '/v1/hubs/{id}/downlink',
        'x-roles': ['operator'],
        summary: "A hub's current downlink, with what the hub reported about it",
        tags: ['downlink'],
        security: BEARER_SECURITY,
        middleware: [requireRoles('operator')] as const,
        request: { params: HubIdParam },
        responses: {
          200: { description: 'The current version', content: { 'application/json': { schema: OperatorDownlink } } },
          ...problemResponses(400, 401, 403, 404, 500),
        },
      }),
      async function handleGetDownlink(c) {
        return c.json(await service.getForOperator(c.get('principal'), c.req.valid('param').id), 200);
      },
    );

    router.openapi(
      createRoute({
        method: 'get',
        path: DOWNLINK_PATH,
        'x-roles': ['hub'],
        summary: "The calling hub's own downlink (hub token)",
        description:
          'Answers 304 when If-None-Match names the current version. With ?wait=N the relay holds the request until a new version exists or N seconds pass. A hub can read only its own downlink: the token says which.',
        tags: ['downlink'],
        security: BEARER_SECURITY,
        middleware: [closeWhenClosing, requireHub(deps.db)] as const,
        request: { query: DownlinkWaitQuery },
        responses: {
          200: { description: 'The current version (ETag header)', content: { 'application/json': { schema: DownlinkDocument } } },
          304: { description: 'Not modified: the version named in If-None-Match is current' },
          ...problemResponses(400, 401, 404, 500),
        },
      }),
      async function handleGetOwnDownlink(c) {
        const known = parseIfNoneMatch(c.req.header('if-none-match'));
        const found = await service.getOwn(c.get('hub'), known, c.req.valid('query').wait, c.req.raw.signal);
        c.header('cache-control', 'no-store');
        if (found.kind === 'none') throw new ProblemError('not-found', 'No downlink has been written for this hub yet');
        c.header('etag', found.etag);
        if (found.kind === 'unchanged') return c.body(null, 304);
        return c.json(found.document, 200);
      },
    );

    router.openapi(
      createRoute({
        method: 'post',
        path: DOWNLINK_REPORT_PATH,
        'x-roles': ['hub'],
        summary: 'The calling hub says whether it applied or refused a version',
        tags: ['downlink'],
        security: BEARER_SECURITY,
        middleware: [limit, requireHub(deps.db)] as const,
        request: { body: { required: true, content: { 'application/json': { schema: DownlinkReport } } } },
        responses: {
          204: { description: 'Recorded' },
          ...problemResponses(400, 401, 409, 413, 415, 500),
        },
      }),
      async function handleDownlinkReport(c) {
        const report = c.req.valid('json');
        await service.report(c.get('hub'), report);
        const log = report.outcome === 'refused' ? deps.logger.warn.bind(deps.logger) : deps.logger.info.bind(deps.logger);
        log({ hubId: c.get('hub').hubId, version: report.version, outcome: report.outcome, errors: report.errors.length }, 'hub reported on its downlink');
        return c.body(null, 204);
      },
    );
    return router;
  },
};
