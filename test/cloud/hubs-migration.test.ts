/**
 * Upgrading a relay that already has hubs (migration 002, docs/provisioning.md#bootstrap-hubs):
 * each hub's token becomes its bootstrap credential and keeps working, with no operator step.
 * PGlite from scratch (a few seconds of initdb), or a throwaway database on PostgreSQL when
 * DATABASE_URL is set.
 */
import t from 'tap';
import { pino } from 'pino';
import { createApp } from '../../cloud/main.ts';
import { sha256Hex } from '../../cloud/crypto.ts';
import type { Database } from '../../cloud/store/database.ts';
import { readMigrations, runMigrations } from '../../cloud/store/migrate.ts';
import { createPgliteDatabase } from '../../cloud/store/pglite.ts';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { createScratchDatabase } from '../support/postgres.ts';
import { batch, reading } from './fixtures.ts';

async function emptyDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === '') return createPgliteDatabase();
  return createPostgresDatabase({ connectionString: await createScratchDatabase(t, url, 'hubs_upgrade'), max: 2 });
}

const db = await emptyDatabase();
t.teardown(() => db.close());
await runMigrations(db, readMigrations().filter((m) => m.name.startsWith('001_')));
await db.query("INSERT INTO orgs (id, name, kind) VALUES ('org-old', 'Old home', 'nursing-home')");
await db.query("INSERT INTO hubs (id, org_id, token_sha256, acked_seq) VALUES ('hub-old', 'org-old', $1, 0)", [sha256Hex('old-hub-token-0123456789')]);
await db.query("INSERT INTO api_keys (id, org_id, role, key_sha256) VALUES ('op-old', 'org-old', 'operator', $1)", [sha256Hex('old-operator-key-0123')]);
const applied = await runMigrations(db);

t.test('a hub provisioned before migration 002 keeps delivering with its token', async (t) => {
  t.ok(applied.includes('002_provisioning.sql'), 'the upgrade ran 002');
  const app = createApp({ db, logger: pino({ level: 'silent' }) });
  const res = await app.request('/v1/ingest', {
    method: 'POST',
    headers: { authorization: 'Bearer old-hub-token-0123456789', 'content-type': 'application/json' },
    body: JSON.stringify(batch('hub-old', [reading('hub-old', 1)])),
  });
  t.equal(res.status, 200);
  const record = (await (await app.request('/v1/hubs/hub-old', { headers: { authorization: 'Bearer old-operator-key-0123' } })).json()) as {
    epoch: number;
    credentials: Array<{ source: string; expiresAt: string | null }>;
  };
  t.equal(record.epoch, 1, 'an existing hub is in its first life');
  t.match(record.credentials, [{ source: 'bootstrap', expiresAt: null }]);
});
