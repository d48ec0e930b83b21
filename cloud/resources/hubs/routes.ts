/**
 * Hub provisioning (docs/provisioning.md): operators (API key with role operator or admin) create
 * hubs and claim codes, rotate and revoke credentials; a hub exchanges its claim code (no other
 * credential: the code is one) and may read its own record with its bearer token.
 */
import { createRoute } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { requireHub } from '../../http/auth.ts';
import { requireRoles } from '../../tenancy/context.ts';
import { ProblemError } from '../../errors.ts';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import type { Resource } from '../types.ts';
import {
  ClaimAnswer,
  ClaimCodeAnswer,
  ClaimRequest,
  CLAIM_PATH,
  CreateHubBody,
  HubIdParam,
  HubList,
  HubRecord,
  NewClaimBody,
  RevokeAnswer,
  RotateAnswer,
  RotateBody,
} from './schema.ts';
import { createHubsService } from './service.ts';

/** Roles declared per route (docs/access.md); the route walk test checks each against its guard. */
const OPERATOR_ROLES = ['operator'] as const;
/** These bodies are a few dozen bytes; anything near this is not one. */
const MAX_BODY_BYTES = 4 * 1024;

const json = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } }) as const;

export const hubs: Resource = {
  id: 'hubs',
  routes(deps) {
    const service = createHubsService({ db: deps.db, now: deps.now, logger: deps.logger });
    const router = createRouter();
    const operator = requireRoles(...OPERATOR_ROLES);
    const limit = bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError() {
        throw new ProblemError('payload-too-large', `Bodies are limited to ${MAX_BODY_BYTES} bytes`);
      },
    });

    router.openapi(
      createRoute({
        method: 'post',
        path: CLAIM_PATH,
        'x-roles': ['public'],
        summary: 'Exchange a one-time claim code for the hub\'s credential',
        description:
          'Called by `npx hub provision`. An empty data folder (logSeq 0) starts a new life of the hub past every seq the relay stored; a folder with events goes on with its own seq. Used, expired, replaced and unknown codes are refused with 401.',
        tags: ['hubs'],
        // No bearer: the claim code in the body is the credential (an explicit empty list says so in /openapi.json).
        security: [],
        middleware: [limit] as const,
        request: { body: json(ClaimRequest) },
        responses: {
          200: { description: 'The credential (shown once) and where the hub\'s seq goes on', content: { 'application/json': { schema: ClaimAnswer } } },
          ...problemResponses(400, 401, 403, 409, 413, 415, 500),
        },
      }),
      async function handleClaim(c) {
        return c.json(await service.claim(c.req.valid('json')), 200);
      },
    );

    router.openapi(
      createRoute({
        method: 'get',
        path: '/v1/hub',
        'x-roles': ['hub'],
        summary: 'The calling hub\'s own record (hub token)',
        tags: ['hubs'],
        security: BEARER_SECURITY,
        middleware: [requireHub(deps.db, deps.now)] as const,
        responses: {
          200: {
            description: 'Who the token belongs to',
            content: { 'application/json': { schema: z.object({ hubId: z.string(), epoch: z.number().int(), ackedSeq: z.number().int() }) } },
          },
          ...problemResponses(401, 500),
        },
      }),
      async function handleSelf(c) {
        return c.json(await service.self(c.get('hub')), 200);
      },
    );

    router.openapi(
      createRoute({
        method: 'post',
        path: '/v1/hubs',
        'x-roles': [...OPERATOR_ROLES],
        summary: 'Create a hub in the caller\'s organisation and get its one-time claim code',
        tags: ['hubs'],
        security: BEARER_SECURITY,
        middleware: [limit, operator] as const,
        request: { body: json(CreateHubBody) },
        responses: {
          201: { description: 'Hub created; the claim code is shown once', content: { 'application/json': { schema: ClaimCodeAnswer.extend({ orgId: z.string() }) } } },
          ...problemResponses(400, 401, 403, 409, 413, 415, 500),
        },
      }),
      async function handleCreateHub(c) {
        return c.json(await service.create(c.get('principal'), c.req.valid('json')), 201);
      },
    );

    router.openapi(
      createRoute({
        method: 'get',
        path: '/v1/hubs',
        'x-roles': [...OPERATOR_ROLES],
        summary: 'The hubs of the caller\'s organisation: life, ack, last seen, revocation',
        tags: ['hubs'],
        security: BEARER_SECURITY,
        middleware: [operator] as const,
        responses: {
          200: { description: 'Hubs by id', content: { 'application/json': { schema: HubList } } },
          ...problemResponses(401, 403, 500),
        },
      }),
      async function handleListHubs(c) {
        return c.json(await service.list(c.get('principal')), 200);
      },
    );

    router.openapi(
      createRoute({
        method: 'get',
        path: '/v1/hubs/{id}',
        'x-roles': [...OPERATOR_ROLES],
        summary: 'A hub of the caller\'s organisation: its lives, credentials and revocation',
        tags: ['hubs'],
        security: BEARER_SECURITY,
        middleware: [operator] as const,
        request: { params: HubIdParam },
        responses: {
          200: { description: 'The hub', content: { 'application/json': { schema: HubRecord } } },
          ...problemResponses(400, 401, 403, 404, 500),
        },
      }),
      async function handleReadHub(c) {
        return c.json(await service.read(c.get('principal'), c.req.valid('param').id), 200);
      },
    );

    router.openapi(
      createRoute({
        method: 'post',
        path: '/v1/hubs/{id}/claims',
        'x-roles': [...OPERATOR_ROLES],
        summary: 'A new claim code for an existing hub (a reinstalled or revoked hub); earlier unused codes stop working',
        tags: ['hubs'],
        security: BEARER_SECURITY,
        middleware: [limit, operator] as const,
        request: { params: HubIdParam, body: json(NewClaimBody) },
        responses: {
          201: { description: 'The claim code, shown once', content: { 'application/json': { schema: ClaimCodeAnswer } } },
          ...problemResponses(400, 401, 403, 404, 413, 415, 500),
        },
      }),
      async function handleNewClaim(c) {
        return c.json(await service.newClaim(c.get('principal'), c.req.valid('param').id, c.req.valid('json').claimTtlSeconds), 201);
      },
    );

    router.openapi(
      createRoute({
        method: 'post',
        path: '/v1/hubs/{id}/rotate',
        'x-roles': [...OPERATOR_ROLES],
        summary: 'Issue a new credential; the current ones keep working for the overlap window',
        tags: ['hubs'],
        security: BEARER_SECURITY,
        middleware: [limit, operator] as const,
        request: { params: HubIdParam, body: json(RotateBody) },
        responses: {
          201: { description: 'The new credential, shown once', content: { 'application/json': { schema: RotateAnswer } } },
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500),
        },
      }),
      async function handleRotate(c) {
        return c.json(await service.rotate(c.get('principal'), c.req.valid('param').id, c.req.valid('json').overlapSeconds), 201);
      },
    );

    router.openapi(
      createRoute({
        method: 'post',
        path: '/v1/hubs/{id}/revoke',
        'x-roles': [...OPERATOR_ROLES],
        summary: 'Refuse every credential of the hub (401) until a claim code re-provisions it',
        tags: ['hubs'],
        security: BEARER_SECURITY,
        middleware: [operator] as const,
        request: { params: HubIdParam },
        responses: {
          200: { description: 'Revoked (again: the first time is kept)', content: { 'application/json': { schema: RevokeAnswer } } },
          ...problemResponses(400, 401, 403, 404, 500),
        },
      }),
      async function handleRevoke(c) {
        return c.json(await service.revoke(c.get('principal'), c.req.valid('param').id), 200);
      },
    );
    return router;
  },
};
