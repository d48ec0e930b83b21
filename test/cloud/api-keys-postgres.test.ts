/**
 * The API key suite (api-keys-suite.ts) on a real PostgreSQL server: DATABASE_URL, else the local
 * default; a throwaway database is created and dropped. Concurrent revocations really run at once here.
 */
import t from 'tap';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { runMigrations } from '../../cloud/store/migrate.ts';
import { requireForFile } from '../support/requirements.ts';
import { createScratchDatabase, findPostgres, POSTGRES_HINT } from '../support/postgres.ts';
import { apiKeysSuite } from './api-keys-suite.ts';

const server = await findPostgres();
if (requireForFile('PostgreSQL server', 'url' in server, 'reason' in server ? `${server.reason}; ${POSTGRES_HINT}` : POSTGRES_HINT)) {
  const url = await createScratchDatabase(t, (server as { url: string }).url, 'api_keys');
  const db = createPostgresDatabase({ connectionString: url, max: 8 });
  t.teardown(() => db.close());
  await runMigrations(db);
  await apiKeysSuite(t, db, 'keys');
}
