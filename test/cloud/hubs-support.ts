/**
 * A relay app for the provisioning tests: PGlite by default, a throwaway database on the real
 * PostgreSQL when DATABASE_URL is set (as .ci/run does). The relay clock is a mutable one so
 * claim-code expiry can be tested without waiting.
 */
import { pino } from 'pino';
import type { Test } from 'tap';
import { createApp } from '../../cloud/main.ts';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { runMigrations } from '../../cloud/store/migrate.ts';
import type { Database } from '../../cloud/store/database.ts';
import { applyBootstrap } from '../../cloud/store/bootstrap.ts';
import { sha256Hex } from '../../cloud/crypto.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { createScratchDatabase } from '../support/postgres.ts';

export interface RelayRig {
  app: ReturnType<typeof createApp>;
  db: Database;
  /** The relay clock; move it with `clock.advance(ms)`. */
  clock: { now: () => Date; advance(ms: number): void };
  call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export async function openTestDatabase(t: Test): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === '') {
    const db = await openMigratedPglite();
    t.teardown(() => db.close());
    return db;
  }
  const scratch = await createScratchDatabase(t, url, 'hubs');
  const db = createPostgresDatabase({ connectionString: scratch, max: 4 });
  // Closed before the scratch database is dropped (teardowns run in reverse order).
  t.teardown(() => db.close());
  await runMigrations(db);
  return db;
}

/** Org `org-<tag>` with an operator key `op-<tag>` and a clinician key `clin-<tag>`. */
export async function addOrg(db: Database, tag: string): Promise<{ orgId: string; operatorKey: string; clinicianKey: string }> {
  const orgId = `org-${tag}`;
  await applyBootstrap(db, {
    orgs: [{ id: orgId, name: `Home ${tag}`, kind: 'nursing-home' }],
    hubs: [],
    apiKeys: [
      { id: `op-${tag}`, orgId, role: 'operator', keySha256: sha256Hex(`op-key-${tag}`) },
      { id: `clin-${tag}`, orgId, role: 'clinician', keySha256: sha256Hex(`clin-key-${tag}`) },
    ],
  });
  return { orgId, operatorKey: `op-key-${tag}`, clinicianKey: `clin-key-${tag}` };
}

export async function openRelayRig(t: Test): Promise<RelayRig> {
  const db = await openTestDatabase(t);
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset), advance: (ms: number) => void (offset += ms) };
  const app = createApp({ db, logger: pino({ level: 'silent' }), now: clock.now });
  return {
    app,
    db,
    clock,
    async call(method, path, token, body) {
      const res = await app.request(path, {
        method,
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(token !== undefined && { authorization: `Bearer ${token}` }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
    },
  };
}
