/** What a REST resource is to the registry (docs/architecture.md#conventions). */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/database.ts';

export interface ResourceDeps {
  db: Database;
  logger: Logger;
  metrics: Metrics;
  /** The relay's clock (docs/architecture.md#the-seams, clock): relay receive times come from here. */
  now: () => Date;
  /** Aborted when the relay shuts down, so requests held open (long-polls) answer at once. */
  closing?: AbortSignal;
}

export interface Resource {
  /** Equals the resource's folder name under cloud/resources/. */
  id: string;
  /** Routes use absolute paths (`/v1/...`); mounted with one `app.route('/', ...)`. */
  routes(deps: ResourceDeps): OpenAPIHono<AppEnv>;
}
