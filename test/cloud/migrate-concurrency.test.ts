/**
 * Relay replicas starting together on an empty PostgreSQL database: each runs the migrations on
 * its own connection at the same moment. All must succeed and every migration must be applied
 * exactly once (cloud/store/migrate.ts serialises them with an advisory lock). The race is made
 * likely by several rounds, each on a fresh database, with connections opened beforehand.
 */
import t from 'tap';
import { readMigrations, runMigrations } from '../../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import type { Database } from '../../cloud/store/database.ts';
import { requireForFile } from '../support/requirements.ts';
import { createScratchDatabase, findPostgres, POSTGRES_HINT } from '../support/postgres.ts';

const ROUNDS = 6;
const REPLICAS = 3;

const server = await findPostgres();
if (requireForFile('PostgreSQL server', 'url' in server, 'reason' in server ? `${server.reason}; ${POSTGRES_HINT}` : POSTGRES_HINT)) {
  const serverUrl = (server as { url: string }).url;
  const names = readMigrations().map((m) => m.name);

  t.test(`${REPLICAS} replicas migrate an empty database at once, ${ROUNDS} rounds`, async (t) => {
    for (let round = 1; round <= ROUNDS; round++) {
      const url = await createScratchDatabase(t, serverUrl, `migrate_race_${round}`);
      const replicas: Database[] = Array.from({ length: REPLICAS }, () => createPostgresDatabase({ connectionString: url, max: 1 }));
      // Connect first, so the migrations themselves start together rather than staggered by connection set-up.
      await Promise.all(replicas.map((db) => db.query('SELECT 1')));
      const runs = await Promise.allSettled(replicas.map((db) => runMigrations(db)));
      const failures = runs.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
      t.same(failures, [], `round ${round}: every replica's migration run succeeds`);
      const applied = runs.map((r) => (r.status === 'fulfilled' ? r.value : null));
      t.same(
        applied.filter((a) => a !== null && a.length > 0),
        [names],
        `round ${round}: one replica applied all ${names.length} migrations, the others none`,
      );
      const { rows } = await replicas[0]!.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      t.same(rows.map((r) => r.name), names, `round ${round}: each migration recorded once`);
      const tables = await replicas[0]!.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = 'events'`);
      t.equal(tables.rows[0]?.n, 1, `round ${round}: the schema exists`);
      await Promise.all(replicas.map((db) => db.close()));
    }
  });
}
