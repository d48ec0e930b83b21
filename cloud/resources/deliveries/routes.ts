/** Deliveries: GET /v1/deliveries, POST /v1/deliveries/{id}/transitions (docs/pharmacy.md#lifecycle). */
import { createRoute } from '@hono/zod-openapi';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import { callerOf, requireRoles, type Role } from '../../tenancy/context.ts';
import type { Resource } from '../types.ts';
import { Delivery, DeliveryList, DeliveryParams, DeliveryQuery, DeliveryTransition } from './schema.ts';
import { createDeliveriesService } from './service.ts';

export const DELIVERY_READ_ROLES: Role[] = ['operator', 'clinician', 'auditor', 'pharmacist'];
/** Which of these may take a given step is the lifecycle's business (cloud/pharmacy/delivery-states.ts). */
export const DELIVERY_MOVE_ROLES: Role[] = ['operator', 'clinician', 'pharmacist'];

export const deliveries: Resource = {
  id: 'deliveries',
  routes(deps) {
    const service = createDeliveriesService(deps);
    const router = createRouter();
    router.openapi(
      createRoute({
        method: 'get', path: '/v1/deliveries', summary: "The care home's deliveries, or the pharmacy's orders", tags: ['pharmacy'], security: BEARER_SECURITY,
        'x-roles': DELIVERY_READ_ROLES, middleware: requireRoles(...DELIVERY_READ_ROLES),
        request: { query: DeliveryQuery },
        responses: { 200: { description: 'Latest due first', content: { 'application/json': { schema: DeliveryList } } }, ...problemResponses(400, 401, 403, 500) },
      }),
      async function handleListDeliveries(c) {
        const { dueDay, limit } = c.req.valid('query');
        return c.json(await service.list(deps.db, callerOf(c), dueDay, limit), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'post', path: '/v1/deliveries/{id}/transitions', summary: 'Move a delivery: ordered, dispatched, delivered, received', tags: ['pharmacy'], security: BEARER_SECURITY,
        'x-roles': DELIVERY_MOVE_ROLES, middleware: requireRoles(...DELIVERY_MOVE_ROLES),
        request: { params: DeliveryParams, body: { content: { 'application/json': { schema: DeliveryTransition } }, required: true } },
        responses: { 200: { description: 'The delivery after the step', content: { 'application/json': { schema: Delivery } } }, ...problemResponses(400, 401, 403, 404, 409, 500) },
      }),
      async function handleTransition(c) {
        return c.json(await service.transition(deps.db, callerOf(c), c.req.valid('param').id, c.req.valid('json')), 200);
      },
    );
    return router;
  },
};
