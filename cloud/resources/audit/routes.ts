/** GET /v1/audit: the caller's organisation's audit chain, for the auditor role (docs/audit.md). */
import { createRoute } from '@hono/zod-openapi';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import { callerOf, requireRoles } from '../../tenancy/context.ts';
import type { Resource } from '../types.ts';
import { AuditPage, AuditQuery } from './schema.ts';
import { createAuditService } from './service.ts';

export const audit: Resource = {
  id: 'audit',
  routes(deps) {
    const service = createAuditService({ db: deps.db });
    const router = createRouter();

    router.openapi(
      createRoute({
        method: 'get',
        path: '/v1/audit',
        operationId: 'listAuditEntries',
        'x-roles': ['auditor'],
        summary: "List the organisation's audit chain, newest first",
        description: 'Each entry carries the SHA-256 of the previous one; `cloud audit verify` checks the whole chain.',
        tags: ['audit'],
        security: BEARER_SECURITY,
        middleware: [requireRoles('auditor')] as const,
        request: { query: AuditQuery },
        responses: {
          200: { description: 'One page of audit entries', content: { 'application/json': { schema: AuditPage } } },
          ...problemResponses(400, 401, 403, 500),
        },
      }),
      async function handleListAudit(c) {
        return c.json(await service.list(callerOf(c), c.req.valid('query')), 200);
      },
    );
    return router;
  },
};
