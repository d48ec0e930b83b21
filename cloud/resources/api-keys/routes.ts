/**
 * /v1/api-keys (docs/access.md#api-keys): operators create, re-role and revoke their organisation's keys;
 * operators and auditors list them (never the secrets).
 */
import { createRoute } from '@hono/zod-openapi';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import { requireRoles, type Role } from '../../tenancy/context.ts';
import type { Resource } from '../types.ts';
import { ApiKeyIdParam, ApiKeyList, ApiKeyRecord, ChangeApiKeyBody, CreateApiKeyBody, CreatedApiKey } from './schema.ts';
import { createApiKeysService } from './service.ts';

const WRITE: Role[] = ['operator'];
const READ: Role[] = ['operator', 'auditor'];

export const apiKeys: Resource = {
  id: 'api-keys',
  routes(deps) {
    const service = createApiKeysService({ db: deps.db, now: deps.now, logger: deps.logger });
    const router = createRouter();

    router.openapi(
      createRoute({
        method: 'post',
        path: '/v1/api-keys',
        operationId: 'createApiKey',
        summary: 'Create an API key of the organisation; the secret is shown once',
        tags: ['api-keys'],
        security: BEARER_SECURITY,
        'x-roles': WRITE,
        middleware: [requireRoles(...WRITE)] as const,
        request: { body: { required: true, content: { 'application/json': { schema: CreateApiKeyBody } } } },
        responses: {
          201: { description: 'The key with its secret (stored hashed; not shown again)', content: { 'application/json': { schema: CreatedApiKey } } },
          ...problemResponses(400, 401, 403, 413, 429, 500),
        },
      }),
      async function handleCreateApiKey(c) {
        return c.json(await service.create(c.get('caller'), c.req.valid('json')), 201);
      },
    );

    router.openapi(
      createRoute({
        method: 'get',
        path: '/v1/api-keys',
        operationId: 'listApiKeys',
        summary: "List the organisation's API keys, without secrets",
        tags: ['api-keys'],
        security: BEARER_SECURITY,
        'x-roles': READ,
        middleware: [requireRoles(...READ)] as const,
        responses: {
          200: { description: 'Keys, revoked ones included', content: { 'application/json': { schema: ApiKeyList } } },
          ...problemResponses(401, 403, 429, 500),
        },
      }),
      async function handleListApiKeys(c) {
        return c.json({ items: await service.list(c.get('caller')) }, 200);
      },
    );

    router.openapi(
      createRoute({
        method: 'delete',
        path: '/v1/api-keys/{id}',
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key: refused from this instant on',
        tags: ['api-keys'],
        security: BEARER_SECURITY,
        'x-roles': WRITE,
        middleware: [requireRoles(...WRITE)] as const,
        request: { params: ApiKeyIdParam },
        responses: {
          200: { description: 'The revoked key (revoking twice keeps the first revokedAt)', content: { 'application/json': { schema: ApiKeyRecord } } },
          ...problemResponses(400, 401, 403, 404, 429, 500),
        },
      }),
      async function handleRevokeApiKey(c) {
        return c.json(await service.revoke(c.get('caller'), c.req.valid('param').id), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'patch',
        path: '/v1/api-keys/{id}',
        operationId: 'changeApiKeyRole',
        summary: "Change a key's role within the organisation (audited)",
        tags: ['api-keys'],
        security: BEARER_SECURITY,
        'x-roles': WRITE,
        middleware: [requireRoles(...WRITE)] as const,
        request: { params: ApiKeyIdParam, body: { required: true, content: { 'application/json': { schema: ChangeApiKeyBody } } } },
        responses: {
          200: { description: 'The key with its new role', content: { 'application/json': { schema: ApiKeyRecord } } },
          ...problemResponses(400, 401, 403, 404, 409, 413, 429, 500),
        },
      }),
      async function handleChangeApiKeyRole(c) {
        return c.json(await service.changeRole(c.get('caller'), c.req.valid('param').id, c.req.valid('json')), 200);
      },
    );
    return router;
  },
};
