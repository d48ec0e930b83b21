/**
 * GET /api/status on the panel server, for `npx hub status` on the same machine (docs/status.md):
 * the outbox, the budget and the link, as JSON. Loopback only: it names no resident, but it tells
 * anyone who asks how far behind the hub is and why, which is the installer's business, not the
 * LAN's. Mounted by hub/panel/panel-server.ts behind the panel's own guards (Host, security headers).
 */
import { Hono } from 'hono';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { HubStatus } from '../status.ts';

export interface StatusRouteOptions {
  status: () => HubStatus;
  metrics: Metrics;
  logger: Logger;
}

type Env = { Variables: { address: string } };

/** 127.0.0.0/8, ::1, and IPv4 loopback as an IPv6-mapped address (a dual-stack listener). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

export function createStatusRoute(options: StatusRouteOptions): Hono<Env> {
  const app = new Hono<Env>();
  app.get('/', function handleStatus(c) {
    // The peer's socket address (set by the panel's first middleware), never a header a client could write.
    const address = c.var.address ?? 'unknown';
    if (!isLoopbackAddress(address)) {
      options.metrics.inc('panel_refused_total', { reason: 'not-loopback' });
      options.logger.warn({ reason: 'not-loopback', path: c.req.path, address }, 'panel request refused');
      return c.json({ error: 'not-loopback', message: 'the status is served to this machine only: run `npx hub status` on the hub' }, 403);
    }
    return c.json(options.status());
  });
  return app;
}
