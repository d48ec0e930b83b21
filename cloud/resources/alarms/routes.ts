/** GET /v1/alarms: alarms of the caller's organisation (bearer API key). */
import { createRoute } from '@hono/zod-openapi';
import { requireRoles } from '../../tenancy/context.ts';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import type { Resource } from '../types.ts';
import { AlarmList, AlarmQuery } from './schema.ts';
import { createAlarmsService } from './service.ts';

export const alarms: Resource = {
  id: 'alarms',
  routes(deps) {
    const service = createAlarmsService({ db: deps.db });
    const router = createRouter();

    router.openapi(
      createRoute({
        method: 'get',
        path: '/v1/alarms',
        'x-roles': ['operator', 'clinician'],
        summary: "List the organisation's alarms, newest first",
        tags: ['alarms'],
        security: BEARER_SECURITY,
        middleware: [requireRoles('operator', 'clinician')] as const,
        request: { query: AlarmQuery },
        responses: {
          200: { description: 'Alarms with their lifecycle', content: { 'application/json': { schema: AlarmList } } },
          ...problemResponses(400, 401, 500),
        },
      }),
      async function handleListAlarms(c) {
        const items = await service.list(c.get('principal'), c.req.valid('query'));
        return c.json({ items }, 200);
      },
    );
    return router;
  },
};
