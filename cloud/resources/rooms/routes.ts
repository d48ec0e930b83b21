/** /v1/rooms and their beds: create (Idempotency-Key), list, read (ETag), update (If-Match). */
import { createRoute } from '@hono/zod-openapi';
import { ETAG_RESPONSE_HEADER, etagOf } from '../../http/etag.ts';
import { runIdempotent } from '../../http/idempotency.ts';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import { callerOf, requireRoles } from '../../tenancy/context.ts';
import { RECORD_READ_ROLES, SITE_WRITE_ROLES } from '../residents/roles.ts';
import { IdempotencyHeaders, IfMatchHeaders } from '../residents/routes.ts';
import type { Resource } from '../types.ts';
import { Bed, BedInput, Room, RoomInput, RoomList, RoomParams, RoomPatch } from './schema.ts';
import { createRoomsService } from './service.ts';


export const rooms: Resource = {
  id: 'rooms',
  routes(deps) {
    const service = createRoomsService(deps);
    const router = createRouter();
    const read = { 'x-roles': RECORD_READ_ROLES, middleware: requireRoles(...RECORD_READ_ROLES) };
    const write = { 'x-roles': SITE_WRITE_ROLES, middleware: requireRoles(...SITE_WRITE_ROLES) };

    router.openapi(
      createRoute({
        method: 'post', path: '/v1/rooms', summary: 'Create a room', tags: ['rooms'], security: BEARER_SECURITY, ...write,
        request: { headers: IdempotencyHeaders, body: { content: { 'application/json': { schema: RoomInput } }, required: true } },
        responses: { 201: { description: 'Created', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: Room } } }, ...problemResponses(400, 401, 403, 409, 500) },
      }),
      async function handleCreateRoom(c) {
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
        method: 'get', path: '/v1/rooms', summary: "The organisation's rooms with their beds", tags: ['rooms'], security: BEARER_SECURITY, ...read,
        responses: { 200: { description: 'Rooms', content: { 'application/json': { schema: RoomList } } }, ...problemResponses(401, 403, 500) },
      }),
      async function handleListRooms(c) {
        return c.json({ items: await service.list(deps.db, callerOf(c)) }, 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'get', path: '/v1/rooms/{id}', summary: 'Read a room', tags: ['rooms'], security: BEARER_SECURITY, ...read,
        request: { params: RoomParams },
        responses: { 200: { description: 'The room', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: Room } } }, ...problemResponses(400, 401, 403, 404, 500) },
      }),
      async function handleGetRoom(c) {
        const room = await service.get(deps.db, callerOf(c), c.req.valid('param').id);
        return c.json(room, 200, { ETag: etagOf(room.version) });
      },
    );
    router.openapi(
      createRoute({
        method: 'patch', path: '/v1/rooms/{id}', summary: 'Update a room (If-Match required)', tags: ['rooms'], security: BEARER_SECURITY, ...write,
        request: { params: RoomParams, headers: IfMatchHeaders, body: { content: { 'application/json': { schema: RoomPatch } }, required: true } },
        responses: { 200: { description: 'The updated room', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: Room } } }, ...problemResponses(400, 401, 403, 404, 412, 428, 500) },
      }),
      async function handlePatchRoom(c) {
        const room = await service.update(deps.db, callerOf(c), c.req.valid('param').id, c.req.valid('header')['if-match'], c.req.valid('json'));
        return c.json(room, 200, { ETag: etagOf(room.version) });
      },
    );
    router.openapi(
      createRoute({
        method: 'post', path: '/v1/rooms/{id}/beds', summary: 'Add a bed to a room', tags: ['rooms'], security: BEARER_SECURITY, ...write,
        request: { params: RoomParams, headers: IdempotencyHeaders, body: { content: { 'application/json': { schema: BedInput } }, required: true } },
        responses: { 201: { description: 'Created', content: { 'application/json': { schema: Bed } } }, ...problemResponses(400, 401, 403, 404, 409, 500) },
      }),
      async function handleAddBed(c) {
        const caller = callerOf(c);
        const body = c.req.valid('json');
        const roomId = c.req.valid('param').id;
        const answer = await runIdempotent(deps.db, { orgId: caller.orgId, key: c.req.valid('header')['idempotency-key'], method: 'POST', path: c.req.path, body }, async (tx) => ({
          status: 201,
          body: await service.addBed(tx, caller, roomId, body),
        }));
        return c.json(answer.body, 201);
      },
    );
    return router;
  },
};
