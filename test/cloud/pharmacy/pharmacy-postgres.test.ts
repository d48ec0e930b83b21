/** Pharmacy delivery through the REST API on a real PostgreSQL server: a throwaway database, dropped after. */
import t from 'tap';
import { runMigrations } from '../../../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../../../cloud/store/postgres.ts';
import { createScratchDatabase, findPostgres, POSTGRES_HINT } from '../../support/postgres.ts';
import { requireForFile } from '../../support/requirements.ts';
import { pharmacySuite } from './pharmacy-suite.ts';

const server = await findPostgres();
if (requireForFile('PostgreSQL server', 'url' in server, 'reason' in server ? `${server.reason}; ${POSTGRES_HINT}` : POSTGRES_HINT)) {
  const url = await createScratchDatabase(t, (server as { url: string }).url, 'pharmacy');
  const db = createPostgresDatabase({ connectionString: url, max: 4 });
  t.teardown(() => db.close());
  await runMigrations(db);
  await pharmacySuite(t, db);
}
