/**
 * GET /healthz (alive), GET /readyz (ready: the store answers) and GET /metrics, for load balancers and
 * orchestrators (docs/rest-api.md). Liveness does not touch the store on purpose: a database blip
 * would otherwise make the orchestrator restart every replica, which fixes nothing; readiness takes
 * a replica out of rotation until its store answers again.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ProblemError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/database.ts';
import type { Metrics } from './metrics.ts';
import { createRouter, problemResponses } from './openapi.ts';

/** A store that has not answered SELECT 1 in this long is as good as down for a request. */
const READY_TIMEOUT_MS = 2_000;

/** These take no parameters; an unknown one is a 400 rather than silently ignored (a typo in a probe's URL shows). */
const NoQuery = z.strictObject({});
const Health = z.object({ status: z.literal('ok'), store: z.enum(['pglite', 'postgres']) }).meta({ id: 'Health' });
const Ready = z.object({ status: z.literal('ready'), store: z.enum(['pglite', 'postgres']), latencyMs: z.number().describe('SELECT 1 round trip, ms') }).meta({ id: 'Ready' });

export function createHealthRoutes({ db, logger, metrics }: { db: Database; logger: Logger; metrics: Metrics }) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      'x-roles': ['public'],
      summary: "Prometheus metrics of this replica (prom-client's text exposition)",
      tags: ['operations'],
      security: [],
      request: { query: NoQuery },
      responses: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } }, ...problemResponses(400) },
    }),
    async (c) => c.text(await metrics.render(), 200, { 'content-type': metrics.contentType }),
  );
  router.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      'x-roles': ['public'],
      summary: 'Liveness: the process serves requests (the store is not consulted)',
      tags: ['operations'],
      security: [],
      request: { query: NoQuery },
      responses: { 200: { description: 'Alive', content: { 'application/json': { schema: Health } } }, ...problemResponses(400) },
    }),
    (c) => c.json({ status: 'ok' as const, store: db.kind }, 200),
  );
  router.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      'x-roles': ['public'],
      summary: 'Readiness: the store answers',
      tags: ['operations'],
      security: [],
      request: { query: NoQuery },
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: Ready } } },
        ...problemResponses(400, 503),
      },
    }),
    async function handleReady(c) {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          db.query('SELECT 1'),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
          }),
        ]);
      } catch (err) {
        logger.warn({ err }, 'readiness: store unreachable');
        throw new ProblemError('service-unavailable', 'The store is unreachable', { cause: err });
      } finally {
        clearTimeout(timer);
      }
      return c.json({ status: 'ready' as const, store: db.kind, latencyMs: Math.round((performance.now() - started) * 10) / 10 }, 200);
    },
  );
  return router;
}
