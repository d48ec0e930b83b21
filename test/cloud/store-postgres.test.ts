/**
 * The store contract on a real PostgreSQL server: DATABASE_URL, else the local default
 * (test/support/postgres.ts). A throwaway database is created next to it and dropped.
 */
import t from 'tap';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { runMigrations } from '../../cloud/store/migrate.ts';
import { storeContract } from './store-contract.ts';
import { requireForFile } from '../support/requirements.ts';
import { createScratchDatabase, findPostgres, POSTGRES_HINT } from '../support/postgres.ts';

const server = await findPostgres();
if (!requireForFile('PostgreSQL server', 'url' in server, 'reason' in server ? `${server.reason}; ${POSTGRES_HINT}` : POSTGRES_HINT)) {
  // Reported by requireForFile: skipped on a user's machine, a failure under CI=true.
} else {
  const testUrl = await createScratchDatabase(t, (server as { url: string }).url, 'store_contract');
  const db = createPostgresDatabase({ connectionString: testUrl, max: 4 });
  t.teardown(() => db.close());
  // Await everything before the first assertion: tap ends a root test that goes idle after asserting.
  const applied = await runMigrations(db);
  t.equal(db.kind, 'postgres');
  t.ok(applied.length > 0, 'fresh database migrates');

  // Replicas migrating an *empty* database at once: test/cloud/migrate-concurrency.test.ts.
  t.test('concurrent runs on a migrated database apply nothing', async (t) => {
    const other = createPostgresDatabase({ connectionString: testUrl, max: 2 });
    const runs = await Promise.all([runMigrations(db), runMigrations(other), runMigrations(db)]);
    await other.close();
    t.same(runs, [[], [], []]);
  });
  storeContract(t, db);
}
