/**
 * /fhir: the FHIR R4 facade, read and search (docs/fhir.md). The types come from the registry
 * (cloud/fhir/registry.ts); this file only speaks HTTP: application/fhir+json, searchset Bundles,
 * and an OperationOutcome for every error, including the relay's own (401, 403, 429) raised by the
 * role guard, since FHIR clients read OperationOutcome, not problem+json.
 */
import type { Context } from 'hono';
import { ProblemError } from '../../errors.ts';
import { capabilityStatement, FHIR_CONTENT_TYPE } from '../../fhir/capability.ts';
import { FhirError, operationOutcome, outcomeOfProblem } from '../../fhir/outcome.ts';
import { fhirResourceTypes } from '../../fhir/registry.ts';
import type { FhirResource } from '../../fhir/types.ts';
import { createRouter } from '../../http/openapi.ts';
import { callerOf, requireRoles, type Role } from '../../tenancy/context.ts';
import type { Resource } from '../types.ts';
import { createFhirService } from './service.ts';

/**
 * Clinicians and operators read residents' records, an auditor reads them to check; a pharmacist
 * does not (prescriptions reach a pharmacy through the pharmacy issue's own types). The same roles
 * as the records REST reads.
 */
export const FHIR_READ_ROLES: readonly Role[] = ['operator', 'clinician', 'auditor'];

export const FHIR_BASE_PATH = '/fhir';

function fhirResponse(status: number, body: FhirResource, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': FHIR_CONTENT_TYPE, ...headers } });
}

function baseOf(c: Context): string {
  return `${new URL(c.req.url).origin}${FHIR_BASE_PATH}`;
}

export const fhir: Resource = {
  id: 'fhir',
  routes(deps) {
    const router = createRouter();
    const guard = requireRoles(...FHIR_READ_ROLES);
    const service = createFhirService({ db: deps.db, now: deps.now });

    router.onError(function handleFhirError(err, c) {
      let status: number;
      let outcome: FhirResource;
      const headers: Record<string, string> = {};
      if (err instanceof FhirError) {
        status = err.status;
        outcome = operationOutcome(err.issueType, err.message, err.expression);
      } else if (err instanceof ProblemError) {
        ({ status, outcome } = outcomeOfProblem(err));
        if (err.code === 'unauthorized') headers['www-authenticate'] = 'Bearer';
        if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
      } else {
        deps.logger.error({ err, method: c.req.method, path: c.req.path }, 'unexpected error in the FHIR facade');
        status = 500;
        outcome = operationOutcome('exception', 'The request could not be completed; it has been logged.');
      }
      deps.metrics.rejected(status);
      return fhirResponse(status, outcome, headers);
    });

    // Public, as FHIR clients fetch it before they authenticate.
    router.get(`${FHIR_BASE_PATH}/metadata`, function handleMetadata(c) {
      return fhirResponse(200, capabilityStatement({ base: baseOf(c), types: fhirResourceTypes, roles: FHIR_READ_ROLES }));
    });

    router.get(`${FHIR_BASE_PATH}/Patient/:id/:operation`, guard, async function handleEverything(c) {
      if (c.req.param('operation') !== '$everything') throw new FhirError(404, 'not-supported', `Patient operation ${c.req.param('operation')} is not supported ($everything is)`);
      return fhirResponse(200, await service.everything(callerOf(c), c.req.param('id'), new URL(c.req.url), baseOf(c)));
    });

    router.get(`${FHIR_BASE_PATH}/:type`, guard, async function handleSearch(c) {
      return fhirResponse(200, await service.search(callerOf(c), c.req.param('type'), new URL(c.req.url), baseOf(c)));
    });

    router.get(`${FHIR_BASE_PATH}/:type/:id`, guard, async function handleRead(c) {
      return fhirResponse(200, await service.read(callerOf(c), c.req.param('type'), c.req.param('id')));
    });

    router.all(`${FHIR_BASE_PATH}/*`, function handleUnsupported(c) {
      if (c.req.method !== 'GET') throw new FhirError(405, 'not-supported', `The FHIR facade is read-only: ${c.req.method} is not supported`);
      throw new FhirError(404, 'not-found', `No FHIR interaction at ${c.req.path}`);
    });
    return router;
  },
};
