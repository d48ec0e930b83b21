/** Serves the panel app on the LAN with @hono/node-server. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { PanelAccess, type PanelAccessOptions } from './access.ts';
import { createPanelApp, type PanelAppOptions } from './panel-app.ts';
import { createStatusRoute } from './status-route.ts';
import type { HubStatus } from '../status.ts';

export interface PanelServerOptions extends Omit<PanelAppOptions, 'shutdown' | 'access'>, PanelAccessOptions {
  host: string;
  port: number;
  /** What GET /api/status answers (loopback only, for `npx hub status`); the route is absent without it. */
  status?: () => HubStatus;
}

export class PanelServer {
  private server: Server | null = null;
  private readonly shutdown = new AbortController();

  constructor(private readonly options: PanelServerOptions) {}

  async start(): Promise<{ port: number }> {
    const access = new PanelAccess(this.options);
    await access.start();
    if (this.options.staff.length === 0) {
      this.options.logger.warn('no staff in the config: nobody can acknowledge or resolve on the panel (npx hub staff add, docs/panel.md)');
    }
    const app = createPanelApp({ ...this.options, access, shutdown: this.shutdown.signal });
    const { status, metrics, logger } = this.options;
    if (status) app.route('/api/status', createStatusRoute({ status, metrics, logger }));
    const server = await new Promise<Server>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: this.options.port, hostname: this.options.host }, () => {
        s.off('error', reject);
        // After listen, errors (e.g. EMFILE on accept) are logged, never thrown.
        s.on('error', (err) => this.options.logger.error({ err }, 'panel listener error'));
        resolve(s as Server);
      });
      s.once('error', reject);
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.options.logger.info({ port, staff: this.options.staff.length, displays: this.options.displays.length }, 'panel listening');
    return { port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    this.shutdown.abort(); // ends open SSE streams
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    });
  }
}
