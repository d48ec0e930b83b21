/**
 * The job runner on PGlite (one replica): node-cron triggers a run, a slot runs once however
 * often it is ticked, an expired claim is taken over, a live one is not (docs/jobs.md).
 */
import t from 'tap';
import { pino } from 'pino';
import { createJobRunner } from '../../../cloud/jobs/runner.ts';
import type { Job, JobContext } from '../../../cloud/jobs/registry.ts';
import { openMigratedPglite } from '../../support/pglite-template.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
const logger = pino({ level: 'silent' });

function countingJob(id: string, schedule: string, seen: Date[], fail = false): Job {
  return {
    id,
    schedule,
    async run(ctx: JobContext) {
      seen.push(ctx.now);
      if (fail) throw new Error('job broke');
      return { done: 1 };
    },
  };
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

t.test('node-cron triggers the run; the slot is the database time, whole seconds', async (t) => {
  const seen: Date[] = [];
  const runner = createJobRunner({ db, jobs: [countingJob('every-second', '* * * * * *', seen)], logger, leaseMs: 60_000 });
  runner.start();
  await waitFor('a cron-triggered run', async () => {
    const { rows } = await db.query("SELECT 1 FROM job_runs WHERE job_id = 'every-second' AND finished_at IS NOT NULL");
    return rows.length > 0;
  });
  await runner.stop();
  t.ok(seen.length >= 1);
  t.equal(seen[0]!.getTime() % 1000, 0, 'ctx.now is the slot');
});

t.test('a slot runs once however many ticks see it', async (t) => {
  const seen: Date[] = [];
  const fixed = new Date('2026-02-10T02:00:30Z');
  const job = countingJob('daily', '0 2 * * *', seen);
  const a = createJobRunner({ db, jobs: [job], logger, owner: 'a', clock: async () => fixed });
  const b = createJobRunner({ db, jobs: [job], logger, owner: 'b', clock: async () => fixed });
  await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
  await a.tick();
  t.same(seen.map((d) => d.toISOString()), ['2026-02-10T02:00:00.000Z']);
  t.equal(a.stats().claimed + b.stats().claimed, 1);
});

t.test("a dead replica's expired claim is taken over; a live claim and a spent one are not", async (t) => {
  const seen: Date[] = [];
  const fixed = new Date('2026-02-11T02:00:30Z');
  const job = countingJob('takeover', '0 2 * * *', seen);
  await db.query(
    `INSERT INTO job_runs (job_id, slot, owner, lease_until, attempts) VALUES
       ('takeover', '2026-02-09T02:00:00Z', 'dead', now() - interval '1 second', 1),
       ('takeover', '2026-02-10T02:00:00Z', 'alive', now() + interval '1 hour', 1),
       ('takeover', '2026-02-11T02:00:00Z', 'dead', now() - interval '1 second', 5)`,
  );
  const runner = createJobRunner({ db, jobs: [job], logger, owner: 'survivor', clock: async () => fixed, maxAttempts: 5 });
  await runner.tick();
  const { rows } = await db.query<{ slot: Date; owner: string; attempts: number; finished: boolean }>(
    "SELECT slot, owner, attempts, finished_at IS NOT NULL AS finished FROM job_runs WHERE job_id = 'takeover' ORDER BY slot",
  );
  t.same(seen.map((d) => d.toISOString()), ['2026-02-09T02:00:00.000Z'], 'only the expired claim ran');
  t.same(
    rows.map((r) => [r.owner, r.attempts, r.finished]),
    [
      ['survivor', 2, true],
      ['alive', 1, false],
      ['dead', 5, false],
    ],
  );
  t.equal(runner.stats().takenOver, 1);
});

t.test('the heartbeat keeps a run longer than its lease from being taken over', async (t) => {
  const seen: Date[] = [];
  const fixed = new Date('2026-02-13T02:00:30Z');
  const slow: Job = {
    id: 'slow',
    schedule: '0 2 * * *',
    async run(ctx) {
      seen.push(ctx.now);
      await new Promise((resolve) => setTimeout(resolve, 900));
      return { done: 1 };
    },
  };
  const owner = createJobRunner({ db, jobs: [slow], logger, owner: 'owner', leaseMs: 300, clock: async () => fixed });
  const other = createJobRunner({ db, jobs: [slow], logger, owner: 'other', leaseMs: 300, clock: async () => fixed });
  const running = owner.tick();
  const deadline = Date.now() + 1_000;
  while (Date.now() < deadline) {
    await other.tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await running;
  t.equal(seen.length, 1, 'ran once although it outlived three leases');
  t.equal(owner.stats().leaseLost, 0);
});

t.test('a failing run keeps its claim until the lease runs out, then is retried', async (t) => {
  const seen: Date[] = [];
  const fixed = new Date('2026-02-12T02:00:30Z');
  const runner = createJobRunner({ db, jobs: [countingJob('broken', '0 2 * * *', seen, true)], logger, owner: 'x', leaseMs: 200, clock: async () => fixed });
  await runner.tick();
  await runner.tick();
  t.equal(seen.length, 1, 'not retried while the lease holds');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await runner.tick();
  const { rows } = await db.query<{ attempts: number }>("SELECT attempts FROM job_runs WHERE job_id = 'broken'");
  t.equal(seen.length, 2, 'retried after the lease');
  t.equal(rows[0]!.attempts, 2);
  t.equal(runner.stats().failed, 2);
});

t.test('a bad registry refuses to start', async (t) => {
  const job = countingJob('j', '0 2 * * *', []);
  t.throws(() => createJobRunner({ db, jobs: [job, job], logger }), /registered twice/);
  t.throws(() => createJobRunner({ db, jobs: [countingJob('k', 'every day', [])], logger }), /rejects schedule/);
});
