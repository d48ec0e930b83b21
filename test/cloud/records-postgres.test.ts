/**
 * Records contract on a real PostgreSQL server (DATABASE_URL, else the local default): a throwaway
 * database is created next to it and dropped. Concurrent Idempotency-Key POSTs here really race.
 */
import t from 'tap';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { runMigrations } from '../../cloud/store/migrate.ts';
import { requireForFile } from '../support/requirements.ts';
import { createScratchDatabase, findPostgres, POSTGRES_HINT } from '../support/postgres.ts';
import { recordsContract } from './records-contract.ts';

const server = await findPostgres();
if (requireForFile('PostgreSQL server', 'url' in server, 'reason' in server ? `${server.reason}; ${POSTGRES_HINT}` : POSTGRES_HINT)) {
  const url = await createScratchDatabase(t, (server as { url: string }).url, 'records');
  const db = createPostgresDatabase({ connectionString: url, max: 4 });
  t.teardown(() => db.close());
  await runMigrations(db);
  recordsContract(t, db, 'pg');
}
