/** /v1/residents: create (Idempotency-Key), list, read (ETag), update (If-Match). */
import { createRoute, z } from '@hono/zod-openapi';
import { ETAG_RESPONSE_HEADER, etagOf } from '../../http/etag.ts';
import { runIdempotent } from '../../http/idempotency.ts';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import { callerOf, requireRoles } from '../../tenancy/context.ts';
import type { Resource } from '../types.ts';
import { CLINICAL_WRITE_ROLES, RECORD_READ_ROLES } from './roles.ts';
import { PageQuery, Resident, ResidentInput, ResidentList, ResidentParams, ResidentPatch } from './schema.ts';
import { createResidentsService } from './service.ts';

export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().optional().describe('Retries with the same key get the first answer and create nothing more (kept 24 h)'),
});
export const IfMatchHeaders = z.object({ 'if-match': z.string().optional().describe('ETag of the version read; required') });


export const residents: Resource = {
  id: 'residents',
  routes(deps) {
    const service = createResidentsService(deps);
    const router = createRouter();
    const read = { 'x-roles': RECORD_READ_ROLES, middleware: requireRoles(...RECORD_READ_ROLES) };
    const write = { 'x-roles': CLINICAL_WRITE_ROLES, middleware: requireRoles(...CLINICAL_WRITE_ROLES) };

    router.openapi(
      createRoute({
        method: 'post',
        path: '/v1/residents',
        summary: 'Register a resident',
        tags: ['residents'],
        security: BEARER_SECURITY,
        ...write,
        request: { headers: IdempotencyHeaders, body: { content: { 'application/json': { schema: ResidentInput } }, required: true } },
        responses: {
          201: { description: 'Created (or the replayed answer to the same Idempotency-Key)', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: Resident } } },
          ...problemResponses(400, 401, 403, 409, 500),
        },
      }),
      async function handleCreateResident(c) {
        const caller = callerOf(c);
        const body = c.req.valid('json');
        const answer = await runIdempotent(deps.db, { orgId: caller.orgId, key: c.req.valid('header')['idempotency-key'], method: 'POST', path: c.req.path, body }, async (tx) => ({
          status: 201,
          body: await service.create(tx, caller, body),
        }));
        return c.json(answer.body, 201, { ETag: etagOf(answer.body.version) });
      },
    );

    router.openapi(
      createRoute({
        method: 'get',
        path: '/v1/residents',
        summary: "List the organisation's residents",
        tags: ['residents'],
        security: BEARER_SECURITY,
        ...read,
        request: { query: PageQuery },
        responses: { 200: { description: 'A page of residents', content: { 'application/json': { schema: ResidentList } } }, ...problemResponses(400, 401, 403, 500) },
      }),
      async function handleListResidents(c) {
        const { limit, cursor } = c.req.valid('query');
        return c.json(await service.list(deps.db, callerOf(c), limit, cursor), 200);
      },
    );

    router.openapi(
      createRoute({
        method: 'get',
        path: '/v1/residents/{id}',
        summary: 'Read a resident',
        tags: ['residents'],
        security: BEARER_SECURITY,
        ...read,
        request: { params: ResidentParams },
        responses: {
          200: { description: 'The resident', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: Resident } } },
          ...problemResponses(400, 401, 403, 404, 500),
        },
      }),
      async function handleGetResident(c) {
        const found = await service.get(deps.db, callerOf(c), c.req.valid('param').id);
        return c.json(found, 200, { ETag: etagOf(found.version) });
      },
    );

    router.openapi(
      createRoute({
        method: 'patch',
        path: '/v1/residents/{id}',
        summary: 'Update a resident (If-Match required)',
        tags: ['residents'],
        security: BEARER_SECURITY,
        ...write,
        request: { params: ResidentParams, headers: IfMatchHeaders, body: { content: { 'application/json': { schema: ResidentPatch } }, required: true } },
        responses: {
          200: { description: 'The updated resident', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: Resident } } },
          ...problemResponses(400, 401, 403, 404, 409, 412, 428, 500),
        },
      }),
      async function handlePatchResident(c) {
        const updated = await service.update(deps.db, callerOf(c), c.req.valid('param').id, c.req.valid('header')['if-match'], c.req.valid('json'));
        return c.json(updated, 200, { ETag: etagOf(updated.version) });
      },
    );
    return router;
  },
};
