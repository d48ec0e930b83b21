/**
 * Referrals (docs/referrals.md): POST/GET /v1/referrals, GET /v1/referrals/{id},
 * POST /v1/referrals/{id}/transitions, POST /v1/referrals/{id}/back-referrals. Only clinicians write;
 * which clinician (which side) may make which move is the state machine's business (409 otherwise).
 */
import { createRoute } from '@hono/zod-openapi';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import { callerOf, requireRoles, type Role } from '../../tenancy/context.ts';
import { RECORD_READ_ROLES } from '../residents/roles.ts';
import type { Resource } from '../types.ts';
import { BackReferralInput, Referral, ReferralInput, ReferralList, ReferralParams, ReferralQuery, TransitionInput } from './schema.ts';
import { createReferralsService } from './service.ts';

const WRITE_ROLES: Role[] = ['clinician'];

export const referrals: Resource = {
  id: 'referrals',
  routes(deps) {
    const service = createReferralsService(deps);
    const router = createRouter();
    const read = { 'x-roles': RECORD_READ_ROLES, middleware: requireRoles(...RECORD_READ_ROLES) };
    const write = { 'x-roles': WRITE_ROLES, middleware: requireRoles(...WRITE_ROLES) };
    const json = <T>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });

    router.openapi(
      createRoute({
        method: 'post', path: '/v1/referrals', summary: 'Refer a resident to a hospital (sent at once unless draft: true; evidence attached when sent)', tags: ['referrals'], security: BEARER_SECURITY, ...write,
        request: { body: json(ReferralInput) },
        responses: { 201: { description: 'Created', content: { 'application/json': { schema: Referral } } }, ...problemResponses(400, 401, 403, 404, 409, 500) },
      }),
      async function handleCreateReferral(c) {
        return c.json(await service.create(callerOf(c), c.req.valid('json')), 201);
      },
    );
    router.openapi(
      createRoute({
        method: 'get', path: '/v1/referrals', summary: 'Referrals this organisation sent or received, newest first', tags: ['referrals'], security: BEARER_SECURITY, ...read,
        request: { query: ReferralQuery },
        responses: { 200: { description: 'A page of referrals', content: { 'application/json': { schema: ReferralList } } }, ...problemResponses(400, 401, 403, 500) },
      }),
      async function handleListReferrals(c) {
        const { state, limit, cursor } = c.req.valid('query');
        return c.json(await service.list(deps.db, callerOf(c), state, limit, cursor), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'get', path: '/v1/referrals/{id}', summary: 'One referral with its evidence and every transition', tags: ['referrals'], security: BEARER_SECURITY, ...read,
        request: { params: ReferralParams },
        responses: { 200: { description: 'The referral', content: { 'application/json': { schema: Referral } } }, ...problemResponses(400, 401, 403, 404, 500) },
      }),
      async function handleGetReferral(c) {
        return c.json(await service.get(deps.db, callerOf(c), c.req.valid('param').id), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'post', path: '/v1/referrals/{id}/transitions', summary: 'Move a referral (send, receive, accept, reject, book, complete, cancel)', tags: ['referrals'], security: BEARER_SECURITY, ...write,
        request: { params: ReferralParams, body: json(TransitionInput) },
        responses: { 200: { description: 'The referral after the move', content: { 'application/json': { schema: Referral } } }, ...problemResponses(400, 401, 403, 404, 409, 500) },
      }),
      async function handleTransition(c) {
        return c.json(await service.transition(callerOf(c), c.req.valid('param').id, c.req.valid('json')), 200);
      },
    );
    router.openapi(
      createRoute({
        method: 'post', path: '/v1/referrals/{id}/back-referrals', summary: 'The hospital refers the resident back to the care home (discharge notes, follow-up plan)', tags: ['referrals'], security: BEARER_SECURITY, ...write,
        request: { params: ReferralParams, body: json(BackReferralInput) },
        responses: { 201: { description: 'The back-referral, sent', content: { 'application/json': { schema: Referral } } }, ...problemResponses(400, 401, 403, 404, 409, 500) },
      }),
      async function handleBackReferral(c) {
        return c.json(await service.backRefer(callerOf(c), c.req.valid('param').id, c.req.valid('json')), 201);
      },
    );
    return router;
  },
};
