/** Care notes: POST/GET /v1/residents/{id}/care-notes, PATCH /v1/care-notes/{id} (If-Match). */
import { createRoute } from '@hono/zod-openapi';
import { ETAG_RESPONSE_HEADER, etagOf } from '../../http/etag.ts';
import { runIdempotent } from '../../http/idempotency.ts';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import { callerOf, requireRoles } from '../../tenancy/context.ts';
import { CLINICAL_WRITE_ROLES, RECORD_READ_ROLES } from '../residents/roles.ts';
import { IdempotencyHeaders, IfMatchHeaders } from '../residents/routes.ts';
import { ResidentParams } from '../residents/schema.ts';
import type { Resource } from '../types.ts';
import { CareNote, CareNoteInput, CareNoteList, CareNoteParams, CareNoteQuery } from './schema.ts';
import { createCareNotesService } from './service.ts';


export const careNotes: Resource = {
  id: 'care-notes',
  routes(deps) {
    const service = createCareNotesService(deps);
    const router = createRouter();
    const read = { 'x-roles': RECORD_READ_ROLES, middleware: requireRoles(...RECORD_READ_ROLES) };
    const write = { 'x-roles': CLINICAL_WRITE_ROLES, middleware: requireRoles(...CLINICAL_WRITE_ROLES) };

    router.openapi(
      createRoute({
        method: 'post', path: '/v1/residents/{id}/care-notes', summary: 'Write a care note about a resident', tags: ['care-notes'], security: BEARER_SECURITY, ...write,
        request: { params: ResidentParams, headers: IdempotencyHeaders, body: { content: { 'application/json': { schema: CareNoteInput } }, required: true } },
        responses: { 201: { description: 'Created', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: CareNote } } }, ...problemResponses(400, 401, 403, 404, 409, 500) },
      }),
      async function handleCreateNote(c) {
        const caller = callerOf(c);
        const body = c.req.valid('json');
        const residentId = c.req.valid('param').id;
        const answer = await runIdempotent(deps.db, { orgId: caller.orgId, key: c.req.valid('header')['idempotency-key'], method: 'POST', path: c.req.path, body }, async (tx) => ({
          status: 201,
          body: await service.create(tx, caller, residentId, body.note),
        }));
        return c.json(answer.body, 201, { ETag: etagOf(answer.body.version) });
      },
    );
    router.openapi(
      createRoute({
        method: 'get', path: '/v1/residents/{id}/care-notes', summary: "A resident's care notes, newest first", tags: ['care-notes'], security: BEARER_SECURITY, ...read,
        request: { params: ResidentParams, query: CareNoteQuery },
        responses: { 200: { description: 'A page of notes', content: { 'application/json': { schema: CareNoteList } } }, ...problemResponses(400, 401, 403, 404, 500) },
      }),
      async function handleListNotes(c) {
        const { limit, cursor } = c.req.valid('query');
        return c.json(await service.list(deps.db, callerOf(c), c.req.valid('param').id, limit, cursor), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'patch', path: '/v1/care-notes/{id}', summary: 'Correct a care note (If-Match required)', tags: ['care-notes'], security: BEARER_SECURITY, ...write,
        request: { params: CareNoteParams, headers: IfMatchHeaders, body: { content: { 'application/json': { schema: CareNoteInput } }, required: true } },
        responses: { 200: { description: 'The corrected note', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: CareNote } } }, ...problemResponses(400, 401, 403, 404, 412, 428, 500) },
      }),
      async function handlePatchNote(c) {
        const note = await service.update(deps.db, callerOf(c), c.req.valid('param').id, c.req.valid('header')['if-match'], c.req.valid('json').note);
        return c.json(note, 200, { ETag: etagOf(note.version) });
      },
    );
    return router;
  },
};
