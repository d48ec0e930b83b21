/**
 * The database's time decides what is due (docs/jobs.md#slots): a replica whose own clock is hours
 * off still claims the slot of the PostgreSQL server's now().
 */
import t from 'tap';
import { pino } from 'pino';
import { createJobRunner } from '../../../cloud/jobs/runner.ts';
import { runMigrations } from '../../../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../../../cloud/store/postgres.ts';
import { requireForFile } from '../../support/requirements.ts';
import { createScratchDatabase, findPostgres, POSTGRES_HINT } from '../../support/postgres.ts';

const SKEW_MS = -(3 * 3_600_000 + 17 * 60_000);

/** Shifts `new Date()` and `Date.now()` of this process only; PostgreSQL keeps its own clock. */
function skewProcessClock(ms: number): () => void {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + ms);
      else super(...(args as [string]));
    }
    static override now(): number {
      return RealDate.now() + ms;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
  return () => {
    globalThis.Date = RealDate;
  };
}

const server = await findPostgres();
if (!requireForFile('PostgreSQL server', 'url' in server, 'reason' in server ? `${server.reason}; ${POSTGRES_HINT}` : POSTGRES_HINT)) {
  // Reported by requireForFile: skipped on a user's machine, a failure under CI=true.
} else {
  const url = await createScratchDatabase(t, (server as { url: string }).url, 'jobs_clock');
  const db = createPostgresDatabase({ connectionString: url, max: 2 });
  t.teardown(() => db.close());
  await runMigrations(db);
  const seen: string[] = [];
  const runner = createJobRunner({
    db,
    jobs: [{ id: 'hourly', schedule: '0 * * * *', run: async ({ now }) => (seen.push(now.toISOString()), { done: 1 }) }],
    logger: pino({ level: 'silent' }),
    owner: 'skewed',
  });
  const hour = async (): Promise<string> =>
    new Date((await db.query<{ h: Date }>("SELECT date_trunc('hour', now()) AS h")).rows[0]!.h).toISOString();
  const before = await hour();
  const restore = skewProcessClock(SKEW_MS);
  let processHour: string;
  try {
    const p = new Date();
    processHour = new Date(Math.floor(p.getTime() / 3_600_000) * 3_600_000).toISOString();
    await runner.tick();
  } finally {
    restore();
  }
  const after = await hour();
  await runner.stop();
  // Awaited everything above: tap ends a root test that goes idle after asserting.
  t.equal(seen.length, 1, 'one run');
  t.ok(seen[0] === before || seen[0] === after, `the slot is the database's hour (${seen[0]}; database ${before}, process ${processHour})`);
  t.not(seen[0], processHour, "not the replica's own hour");
}
