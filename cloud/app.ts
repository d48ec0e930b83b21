/**
 * The relay's HTTP app: resources from the registry, one error shape,
 * health, metrics, OpenAPI and docs. No listening, no DB opening: the
 * composition root (main.ts) and tests pass a Database in.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { INGEST_PATH } from '../protocols/wire.ts';
import { secureHeaders } from 'hono/secure-headers';
import { AccessConfig, AdmissionConfig, CloudConfig } from './config.ts';
import { createAccess } from './http/access.ts';
import { restBodyLimit } from './http/access-body-limit.ts';
import { createIngestAdmission } from './http/admission.ts';
import { requestIds } from './http/request-id.ts';
import { createHubClockRecorder } from './http/hub-clock.ts';
import type { AppEnv } from './http/env.ts';
import { mountDocs } from './http/docs.ts';
import { createHealthRoutes } from './http/health.ts';
import { API_LICENSE, withOperationIds, type OpenApiDocument } from './http/openapi.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { createErrorHandler, createNotFoundHandler } from './http/problem.ts';
import type { Logger } from './logger.ts';
import { resources } from './resources/index.ts';
import type { Database } from './store/database.ts';

export interface CreateAppOptions {
  db: Database;
  logger: Logger;
  metrics?: Metrics;
  /** Relay clock; defaults to the system clock. */
  now?: () => Date;
  /** Ingest limits (429/503, docs/relay-pressure.md); unset fields take the config defaults. */
  admission?: Partial<AdmissionConfig>;
  /** A hub clock further off than this is flagged, ms; default as in the config. */
  clockSkewBoundMs?: number;
  /** Aborted when the relay shuts down: long-polls (GET /v1/downlink?wait=) answer at once. */
  closing?: AbortSignal;
  /** REST limits per API key (docs/access.md); unset fields take the config defaults. */
  access?: Partial<AccessConfig>;
}

export const API_VERSION = '0.1.0';

export function createApp(options: CreateAppOptions): OpenAPIHono<AppEnv> {
  const { db } = options;
  const logger = options.logger.child({ module: 'http' });
  const metrics = options.metrics ?? createMetrics();
  const now = options.now ?? (() => new Date());
  const app = new OpenAPIHono<AppEnv>();

  app.onError(createErrorHandler(logger, metrics));
  app.notFound(createNotFoundHandler(metrics));

  // Every request (docs/access.md): an id on the response and its log lines, security headers, a
  // body limit for routes without their own, and the API key binding requireRoles authenticates with.
  const accessLimits = AccessConfig.parse(options.access ?? {});
  const { bind: bindAccess } = createAccess({
    db,
    now,
    limits: { perSecond: accessLimits.keyRequestsPerSecond, burst: accessLimits.keyBurst },
    metrics,
    logger,
  });
  app.use('*', requestIds(), secureHeaders(), restBodyLimit(accessLimits.bodyLimitBytes), bindAccess);

  // Around the ingest route (docs/relay-pressure.md): the replica-wide admission first, before any
  // work; the route's own per-hub check runs after its credential check.
  const admission = createIngestAdmission({ limits: AdmissionConfig.parse(options.admission ?? {}), metrics, logger });
  const boundMs = options.clockSkewBoundMs ?? CloudConfig.shape.clockSkewBoundMs.parse(undefined);
  app.use(INGEST_PATH, admission.overall, createHubClockRecorder({ db, metrics, logger, now, boundMs }));

  for (const resource of resources) {
    app.route('/', resource.routes({ db, logger: logger.child({ module: resource.id }), metrics, now, ...(options.closing && { closing: options.closing }) }));
  }

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'Hub token for /v1/ingest; organisation API key for everything else',
  });

  app.route('/', createHealthRoutes({ db, logger, metrics }));

  let openApiDoc: OpenApiDocument | undefined;
  function openApi(): OpenApiDocument {
    // Built once: the routes are fixed after construction.
    openApiDoc ??= withOperationIds(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'CareHub cloud relay',
          version: API_VERSION,
          description: 'Ingest from hubs and REST for organisations.',
          license: { name: API_LICENSE.name, url: API_LICENSE.url },
        },
      }) as OpenApiDocument,
    );
    return openApiDoc;
  }

  // servers: where this document was fetched from, so "try it" in /docs calls this relay (docs/rest-api.md).
  app.get('/openapi.json', (c) => c.json({ ...openApi(), servers: [{ url: new URL(c.req.url).origin, description: 'this relay' }] }));
  mountDocs(app, { specUrl: '/openapi.json', title: 'CareHub cloud relay API' });
  return app;
}
