/**
 * Composition root of the relay (docs/architecture.md#layout): wires config, logger,
 * store, app and HTTP server. createRelay only assigns; start() migrates,
 * provisions and listens; stop() closes the server, then the store.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from './app.ts';
import type { CloudConfig } from './config.ts';
import type { AppEnv } from './http/env.ts';
import { createMetrics } from './http/metrics.ts';
import { createLogger, type Logger } from './logger.ts';
import { applyBootstrap } from './store/bootstrap.ts';
import type { Database } from './store/database.ts';
import { runMigrations } from './store/migrate.ts';
import { ensureObservationPartitions } from './resources/observations/partitions.ts';
import { pruneIdempotencyKeys } from './http/idempotency.ts';
import { openDatabase } from './store/open.ts';
import { createJobRunner, type JobRunner } from './jobs/runner.ts';
import { JOBS } from './jobs/registry.ts';

export { createApp, type CreateAppOptions } from './app.ts';

export interface RelayOptions {
  logger?: Logger;
  /** A store to use instead of the one config names (tests). It is closed by stop(). */
  db?: Database;
}

export interface Relay {
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
  readonly app: OpenAPIHono<AppEnv>;
  readonly db: Database;
}

export function createRelay(config: CloudConfig, options: RelayOptions = {}): Relay {
  const root = options.logger ?? createLogger(config.logLevel);
  const logger = root.child({ module: 'relay' });
  const db = options.db ?? openDatabase(config);
  const closing = new AbortController();
  const app = createApp({ db, logger: root, metrics: createMetrics(), admission: config.admission, access: config.access, clockSkewBoundMs: config.clockSkewBoundMs, closing: closing.signal });
  let server: ServerType | undefined;
  let partitionTimer: NodeJS.Timeout | undefined;
  // Scheduled jobs claimed through the database, so any number of replicas may run them (docs/jobs.md).
  const jobRunner: JobRunner | undefined =
    config.jobs === 'on' && JOBS.length > 0 ? createJobRunner({ db, jobs: JOBS, logger: root, leaseMs: config.jobLeaseMs }) : undefined;

  return {
    app,
    db,
    async start() {
      const applied = await runMigrations(db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      // Months ahead of the readings (docs/records.md#partitions); re-checked daily while running.
      const partitioned = await ensureObservationPartitions(db, new Date());
      if (partitioned.length > 0) logger.info({ partitions: partitioned }, 'observation partitions created');
      partitionTimer = setInterval(() => {
        ensureObservationPartitions(db, new Date()).catch((err: unknown) => logger.error({ err }, 'creating observation partitions failed'));
        // Idempotency-Key answers are kept a day (docs/records.md#idempotency).
        pruneIdempotencyKeys(db, new Date(Date.now() - 24 * 3_600_000)).catch((err: unknown) => logger.error({ err }, 'pruning idempotency keys failed'));
      }, 24 * 3_600_000);
      partitionTimer.unref();
      await applyBootstrap(db, config.bootstrap, { revokeUnlisted: true });
      jobRunner?.start();
      const info = await new Promise<AddressInfo>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, resolve);
        s.once('error', reject);
        server = s;
      });
      // Show an IPv6 host in brackets so the URL is usable as printed.
      const host = info.address.includes(':') ? `[${info.address}]` : info.address;
      const url = `http://${host}:${info.port}`;
      logger.info({ url, store: db.kind }, 'relay listening');
      return { url, port: info.port };
    },
    async stop() {
      const s = server;
      server = undefined;
      closing.abort(); // held long-polls answer now, or close() would wait for them
      clearInterval(partitionTimer);
      await jobRunner?.stop(); // a run in progress finishes before the store closes
      if (s !== undefined) {
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          // Idle keep-alive sockets would hold close() open; in-flight requests finish first.
          if ('closeIdleConnections' in s) s.closeIdleConnections();
        });
      }
      await db.close();
      logger.info('relay stopped');
    },
  };
}
