/** Prescriptions: POST/GET /v1/prescriptions (docs/pharmacy.md). */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { runIdempotent } from '../../http/idempotency.ts';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import { callerOf, requireRoles, type Role } from '../../tenancy/context.ts';
import { IdempotencyHeaders } from '../residents/routes.ts';
import type { Resource } from '../types.ts';
import { Prescription, PrescriptionInput, PrescriptionList } from './schema.ts';
import { createPrescriptionsService } from './service.ts';

/** A care home's clinician prescribes; the care home, its auditor and the pharmacy read. */
export const PRESCRIBE_ROLES: Role[] = ['clinician'];
export const PRESCRIPTION_READ_ROLES: Role[] = ['operator', 'clinician', 'auditor', 'pharmacist'];

export const prescriptions: Resource = {
  id: 'prescriptions',
  routes(deps) {
    const service = createPrescriptionsService(deps);
    const router = createRouter();
    router.openapi(
      createRoute({
        method: 'post', path: '/v1/prescriptions', summary: 'Prescribe long-term medication, sent to a pharmacy', tags: ['pharmacy'], security: BEARER_SECURITY,
        'x-roles': PRESCRIBE_ROLES, middleware: requireRoles(...PRESCRIBE_ROLES),
        request: { headers: IdempotencyHeaders, body: { content: { 'application/json': { schema: PrescriptionInput } }, required: true } },
        responses: { 201: { description: 'Created', content: { 'application/json': { schema: Prescription } } }, ...problemResponses(400, 401, 403, 404, 409, 500) },
      }),
      async function handleCreatePrescription(c) {
        const caller = callerOf(c);
        const body = c.req.valid('json');
        const answer = await runIdempotent(deps.db, { orgId: caller.orgId, key: c.req.valid('header')['idempotency-key'], method: 'POST', path: c.req.path, body }, async (tx) => ({
          status: 201,
          body: await service.create(tx, caller, body),
        }));
        return c.json(answer.body, 201);
      },
    );
    router.openapi(
      createRoute({
        method: 'get', path: '/v1/prescriptions', summary: "The care home's prescriptions, or those sent to the pharmacy", tags: ['pharmacy'], security: BEARER_SECURITY,
        'x-roles': PRESCRIPTION_READ_ROLES, middleware: requireRoles(...PRESCRIPTION_READ_ROLES),
        request: { query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
        responses: { 200: { description: 'Newest first', content: { 'application/json': { schema: PrescriptionList } } }, ...problemResponses(400, 401, 403, 500) },
      }),
      async function handleListPrescriptions(c) {
        return c.json(await service.list(deps.db, callerOf(c), c.req.valid('query').limit), 200);
      },
    );
    return router;
  },
};
