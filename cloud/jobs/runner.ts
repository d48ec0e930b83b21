/**
 * Runs the registered jobs exactly once per due slot across relay replicas (docs/jobs.md).
 *
 * node-cron only triggers: every replica ticks each job on its schedule. Whether this replica
 * runs it is decided in the database: the slot is computed from the database's now() (a replica's
 * clock may be off), and the claim is one INSERT … ON CONFLICT on job_runs (job_id, slot) that
 * either creates the row or takes over a row whose lease ran out — one atomic statement that both
 * PostgreSQL and PGlite run. The owner renews its lease while the job runs; a replica that dies
 * stops renewing, and the next sweep on any replica takes the run over. The job itself is
 * idempotent per item, so a takeover or a stale owner finishing late creates nothing twice.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.ts';
import type { Database, Queryable } from '../store/database.ts';
import { dueSlot, parseCron } from './cron-slot.ts';
import type { Job } from './registry.ts';

export interface JobRunnerOptions {
  db: Database;
  jobs: readonly Job[];
  logger: Logger;
  /** This replica's name in job_runs.owner. */
  owner?: string;
  /** How long a claim holds without a heartbeat; renewed every third of it. */
  leaseMs?: number;
  /** A run that failed this many times is left for a person (job_runs shows it). */
  maxAttempts?: number;
  /** The time that decides what is due; the database's now() unless a test simulates a month. */
  clock?: (db: Queryable) => Promise<Date>;
}

export interface JobRunStats {
  claimed: number;
  takenOver: number;
  finished: number;
  failed: number;
  leaseLost: number;
}

export interface JobRunner {
  readonly owner: string;
  /** Schedules the cron triggers and the takeover sweep. */
  start(): void;
  /** Claims and runs whatever is due now; resolves when this replica's runs finished. */
  tick(): Promise<void>;
  /** Stops triggering and waits for runs in progress. */
  stop(): Promise<void>;
  stats(): Readonly<JobRunStats>;
}

export async function databaseNow(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ now: Date | string }>('SELECT now() AS now');
  return new Date(rows[0]!.now);
}

interface ClaimRow {
  attempts: number;
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { db, jobs } = options;
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const leaseMs = options.leaseMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const clock = options.clock ?? databaseNow;
  const logger = options.logger.child({ module: 'jobs', owner });
  const byId = new Map<string, Job>();
  for (const job of jobs) {
    // A bad schedule or a duplicate id is a programming error: refuse to start rather than skip it.
    if (byId.has(job.id)) throw new Error(`job id "${job.id}" is registered twice`);
    if (!cron.validate(job.schedule)) throw new Error(`job "${job.id}": node-cron rejects schedule "${job.schedule}"`);
    parseCron(job.schedule);
    byId.set(job.id, job);
  }
  const stats: JobRunStats = { claimed: 0, takenOver: 0, finished: 0, failed: 0, leaseLost: 0 };
  const running = new Map<string, Promise<void>>();
  const tasks: ScheduledTask[] = [];
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** Inserts the claim, or takes over an unfinished run whose lease expired. */
  async function claim(job: Job, slot: Date): Promise<ClaimRow | undefined> {
    const { rows } = await db.query<ClaimRow>(
      `INSERT INTO job_runs (job_id, slot, owner, lease_until)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000))
       ON CONFLICT (job_id, slot) DO UPDATE
         SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until, attempts = job_runs.attempts + 1
         WHERE job_runs.finished_at IS NULL AND job_runs.lease_until < now() AND job_runs.attempts < $5
       RETURNING attempts`,
      [job.id, slot.toISOString(), owner, leaseMs, maxAttempts],
    );
    return rows[0];
  }

  async function renew(job: Job, slot: Date): Promise<void> {
    const { rows } = await db.query(
      `UPDATE job_runs SET lease_until = now() + make_interval(secs => $4::double precision / 1000)
       WHERE job_id = $1 AND slot = $2 AND owner = $3 AND finished_at IS NULL RETURNING 1`,
      [job.id, slot.toISOString(), owner, leaseMs],
    );
    if (rows.length === 0) {
      stats.leaseLost += 1;
      logger.warn({ job: job.id, slot }, 'job lease lost to another replica; its items are idempotent, finishing anyway');
    }
  }

  async function run(job: Job, slot: Date, attempts: number): Promise<void> {
    if (attempts > 1) stats.takenOver += 1;
    else stats.claimed += 1;
    const log = logger.child({ job: job.id, slot: slot.toISOString(), attempts });
    log.info('job run claimed');
    const heartbeat = setInterval(() => {
      renew(job, slot).catch((err: unknown) => log.error({ err }, 'job lease renewal failed'));
    }, Math.max(1, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    const started = performance.now();
    try {
      const { done } = await job.run({ db, now: slot, logger: log });
      const { rows } = await db.query(
        `UPDATE job_runs SET finished_at = now(), done = $4
         WHERE job_id = $1 AND slot = $2 AND owner = $3 AND finished_at IS NULL RETURNING 1`,
        [job.id, slot.toISOString(), owner, done],
      );
      stats.finished += 1;
      if (rows.length === 0) log.warn({ done }, 'job run finished after another replica took it over');
      else log.info({ done, ms: Math.round(performance.now() - started) }, 'job run finished');
    } catch (err) {
      // The lease is left to run out, so another replica retries after leaseMs (up to maxAttempts).
      stats.failed += 1;
      log.error({ err }, 'job run failed');
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Starts (job, slot) unless this replica already runs it; claims are checked in the database. */
  function attempt(job: Job, slot: Date): Promise<void> {
    const key = `${job.id}@${slot.toISOString()}`;
    const existing = running.get(key);
    if (existing !== undefined) return existing;
    const p = claim(job, slot)
      .then((row) => (row === undefined || stopped ? undefined : run(job, slot, row.attempts)))
      .finally(() => running.delete(key));
    running.set(key, p);
    return p;
  }

  async function tickJob(job: Job, now: Date): Promise<void> {
    const slot = dueSlot(job.schedule, now);
    if (slot !== undefined) await attempt(job, slot);
  }

  /** Unfinished runs of earlier slots whose owner stopped renewing (a replica died). */
  async function sweep(): Promise<void> {
    const { rows } = await db.query<{ job_id: string; slot: Date | string }>(
      `SELECT job_id, slot FROM job_runs WHERE finished_at IS NULL AND lease_until < now() AND attempts < $1
       ORDER BY slot LIMIT 100`,
      [maxAttempts],
    );
    await Promise.all(
      rows.map((row) => {
        const job = byId.get(row.job_id);
        if (job === undefined) return undefined; // another release's job: left to a replica that knows it
        const slot = new Date(row.slot);
        return attempt(job, slot);
      }),
    );
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    const now = await clock(db);
    await Promise.all([sweep(), ...[...byId.values()].map((job) => tickJob(job, now))]);
  }

  function report(what: string): (err: unknown) => void {
    return (err) => logger.error({ err }, what);
  }

  return {
    owner,
    start() {
      for (const job of byId.values()) {
        const task = cron.schedule(
          job.schedule,
          () => {
            if (stopped) return;
            clock(db)
              .then((now) => tickJob(job, now))
              .catch(report(`job ${job.id} trigger failed`));
          },
          // unref: the relay's server keeps the process alive, not the triggers.
          { timezone: 'UTC', name: job.id, noOverlap: false, unref: true },
        );
        tasks.push(task);
      }
      // Catches slots whose trigger fired early on a fast clock, and takes over dead replicas' runs.
      sweepTimer = setInterval(() => tick().catch(report('job sweep failed')), leaseMs);
      sweepTimer.unref();
      logger.info({ jobs: [...byId.keys()], leaseMs }, 'job runner started');
    },
    tick,
    async stop() {
      stopped = true;
      clearInterval(sweepTimer);
      await Promise.all(tasks.map((t) => t.stop()));
      await Promise.allSettled([...running.values()]);
    },
    stats: () => ({ ...stats }),
  };
}
