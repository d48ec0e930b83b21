/** GET /v1/residents/{id}/vitals: a resident's observations, raw or bucketed, cursor-paged. */
import { createRoute } from '@hono/zod-openapi';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import { callerOf, requireRoles } from '../../tenancy/context.ts';
import { RECORD_READ_ROLES } from '../residents/roles.ts';
import { ResidentParams } from '../residents/schema.ts';
import type { Resource } from '../types.ts';
import { Vitals, VitalsQuery } from './schema.ts';
import { createVitalsService } from './service.ts';

export const observations: Resource = {
  id: 'observations',
  routes(deps) {
    const service = createVitalsService(deps);
    const router = createRouter();
    router.openapi(
      createRoute({
        method: 'get',
        path: '/v1/residents/{id}/vitals',
        summary: "A resident's vitals: raw values or min/max/mean/count per minute, hour or day",
        tags: ['residents'],
        security: BEARER_SECURITY,
        'x-roles': RECORD_READ_ROLES,
        middleware: requireRoles(...RECORD_READ_ROLES),
        request: { params: ResidentParams, query: VitalsQuery },
        responses: { 200: { description: 'One page of values or buckets', content: { 'application/json': { schema: Vitals } } }, ...problemResponses(400, 401, 403, 404, 500) },
      }),
      async function handleVitals(c) {
        return c.json(await service.read(deps.db, callerOf(c), c.req.valid('param').id, c.req.valid('query')), 200);
      },
    );
    return router;
  },
};
