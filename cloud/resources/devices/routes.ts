/** /v1/devices: register (Idempotency-Key), list, read (ETag), bind (If-Match). */
import { createRoute } from '@hono/zod-openapi';
import { ETAG_RESPONSE_HEADER, etagOf } from '../../http/etag.ts';
import { runIdempotent } from '../../http/idempotency.ts';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import { callerOf, requireRoles } from '../../tenancy/context.ts';
import { RECORD_READ_ROLES, SITE_WRITE_ROLES } from '../residents/roles.ts';
import { IdempotencyHeaders, IfMatchHeaders } from '../residents/routes.ts';
import type { Resource } from '../types.ts';
import { Device, DeviceInput, DeviceList, DeviceParams, DevicePatch } from './schema.ts';
import { createDevicesService } from './service.ts';


export const devices: Resource = {
  id: 'devices',
  routes(deps) {
    const service = createDevicesService(deps);
    const router = createRouter();
    const read = { 'x-roles': RECORD_READ_ROLES, middleware: requireRoles(...RECORD_READ_ROLES) };
    const write = { 'x-roles': SITE_WRITE_ROLES, middleware: requireRoles(...SITE_WRITE_ROLES) };

    router.openapi(
      createRoute({
        method: 'post', path: '/v1/devices', summary: 'Register a device of a hub, optionally bound to a resident and a room', tags: ['devices'], security: BEARER_SECURITY, ...write,
        request: { headers: IdempotencyHeaders, body: { content: { 'application/json': { schema: DeviceInput } }, required: true } },
        responses: { 201: { description: 'Created', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: Device } } }, ...problemResponses(400, 401, 403, 409, 500) },
      }),
      async function handleCreateDevice(c) {
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
        method: 'get', path: '/v1/devices', summary: "The organisation's devices and their bindings", tags: ['devices'], security: BEARER_SECURITY, ...read,
        responses: { 200: { description: 'Devices', content: { 'application/json': { schema: DeviceList } } }, ...problemResponses(401, 403, 500) },
      }),
      async function handleListDevices(c) {
        return c.json({ items: await service.list(deps.db, callerOf(c)) }, 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'get', path: '/v1/devices/{hubId}/{id}', summary: 'Read a device', tags: ['devices'], security: BEARER_SECURITY, ...read,
        request: { params: DeviceParams },
        responses: { 200: { description: 'The device', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: Device } } }, ...problemResponses(400, 401, 403, 404, 500) },
      }),
      async function handleGetDevice(c) {
        const { hubId, id } = c.req.valid('param');
        const device = await service.get(deps.db, callerOf(c), hubId, id);
        return c.json(device, 200, { ETag: etagOf(device.version) });
      },
    );
    router.openapi(
      createRoute({
        method: 'patch', path: '/v1/devices/{hubId}/{id}', summary: 'Update or rebind a device (If-Match required)', tags: ['devices'], security: BEARER_SECURITY, ...write,
        request: { params: DeviceParams, headers: IfMatchHeaders, body: { content: { 'application/json': { schema: DevicePatch } }, required: true } },
        responses: { 200: { description: 'The updated device', headers: ETAG_RESPONSE_HEADER, content: { 'application/json': { schema: Device } } }, ...problemResponses(400, 401, 403, 404, 412, 428, 500) },
      }),
      async function handlePatchDevice(c) {
        const { hubId, id } = c.req.valid('param');
        const device = await service.update(deps.db, callerOf(c), hubId, id, c.req.valid('header')['if-match'], c.req.valid('json'));
        return c.json(device, 200, { ETag: etagOf(device.version) });
      },
    );
    return router;
  },
};
