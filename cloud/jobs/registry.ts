/**
 * The relay's scheduled jobs (docs/jobs.md). Every replica triggers each job on its cron
 * schedule; the runner (cloud/jobs/runner.ts) claims the due slot in the database so one
 * replica runs it. A job must also be idempotent per due item (a unique key in SQL), so a
 * claim taken over from a dead replica, or a repeated run, creates nothing twice.
 */
import type { Logger } from '../logger.ts';
import type { Database } from '../store/database.ts';
import { deliveryGenerationJob } from '../pharmacy/generate-deliveries.ts';
import { pharmacyWarningsJob } from '../pharmacy/warnings-job.ts';
import { createEscalationJob } from '../referrals/escalation.ts';

export interface JobContext {
  db: Database;
  /** The database's time for the slot being run — never the replica's own clock. */
  now: Date;
  logger: Logger;
}

export interface Job {
  /** Stable name; the claim key in job_runs. */
  id: string;
  /** Five-field cron expression (node-cron), evaluated in UTC. */
  schedule: string;
  /** Does the work due at ctx.now; returns how many items it created or changed. */
  run(ctx: JobContext): Promise<{ done: number }>;
}

/** One line per job (referral escalation, delivery generation, warnings). */
export const JOBS: Job[] = [
  deliveryGenerationJob,
  pharmacyWarningsJob,
  createEscalationJob(),
];
