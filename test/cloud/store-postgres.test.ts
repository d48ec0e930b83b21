/**
 * The store contract on a real PostgreSQL server. Needs DATABASE_URL (any
 * database on the server; a throwaway one is created next to it and dropped).
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { runMigrations } from '../../cloud/store/migrate.ts';
import { storeContract } from './store-contract.ts';
import { requireForFile } from '../support/requirements.ts';

const url = process.env.DATABASE_URL ?? '';
if (!requireForFile('PostgreSQL (DATABASE_URL)', url !== '', 'set DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to a server; Debian: apt-get install postgresql')) {
  // Reported by requireForFile: skipped on a user's machine, a failure under CI=true.
} else {
  const name = `carehub_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = createPostgresDatabase({ connectionString: url, max: 1 });
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  await admin.exec(`CREATE DATABASE ${name}`);
  const db = createPostgresDatabase({ connectionString: testUrl.toString(), max: 4 });
  t.teardown(async () => {
    await db.close();
    await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  });
  // Await everything before the first assertion: tap ends a root test that goes idle after asserting.
  const applied = await runMigrations(db);
  t.equal(db.kind, 'postgres');
  t.ok(applied.length > 0, 'fresh database migrates');

  t.test('concurrent migrations do not race (advisory lock)', async (t) => {
    const other = createPostgresDatabase({ connectionString: testUrl.toString(), max: 2 });
    const runs = await Promise.all([runMigrations(db), runMigrations(other), runMigrations(db)]);
    await other.close();
    t.same(runs, [[], [], []]);
  });
  storeContract(t, db);
}
