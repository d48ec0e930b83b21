/** An app over a migrated PGlite with two provisioned tenants, for HTTP tests via app.request(). */
import { pino } from 'pino';
import { createApp } from '../../cloud/main.ts';
import type { Database } from '../../cloud/store/database.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { provisionTenant, type Tenant } from './fixtures.ts';

export interface Harness {
  app: ReturnType<typeof createApp>;
  db: Database;
  a: Tenant;
  b: Tenant;
  ingest(token: string | undefined, body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(path: string, token?: string): Promise<Response>;
}

export async function openHarness(): Promise<Harness> {
  const db = await openMigratedPglite();
  const a = await provisionTenant(db, 'a');
  const b = await provisionTenant(db, 'b');
  const app = createApp({ db, logger: pino({ level: 'silent' }) });
  return {
    app,
    db,
    a,
    b,
    ingest(token, body, headers = {}) {
      return Promise.resolve(
        app.request('/v1/ingest', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
            ...headers,
          },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );
    },
    get(path, token) {
      return Promise.resolve(app.request(path, { headers: token !== undefined ? { authorization: `Bearer ${token}` } : {} }));
    },
  };
}
