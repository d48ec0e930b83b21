/** The referral HTTP suite (referrals-http-suite.ts) on a real PostgreSQL server (DATABASE_URL, else the local default), in a throwaway database. */
import t from 'tap';
import { createPostgresDatabase } from '../../../cloud/store/postgres.ts';
import { runMigrations } from '../../../cloud/store/migrate.ts';
import { requireForFile } from '../../support/requirements.ts';
import { createScratchDatabase, findPostgres, POSTGRES_HINT } from '../../support/postgres.ts';
import { referralsHttpSuite } from './referrals-http-suite.ts';

const server = await findPostgres();
if (requireForFile('PostgreSQL server', 'url' in server, 'reason' in server ? `${server.reason}; ${POSTGRES_HINT}` : POSTGRES_HINT)) {
  const url = await createScratchDatabase(t, (server as { url: string }).url, 'referrals');
  const db = createPostgresDatabase({ connectionString: url, max: 4 });
  t.teardown(() => db.close());
  await runMigrations(db);
  await referralsHttpSuite(t, db);
}
