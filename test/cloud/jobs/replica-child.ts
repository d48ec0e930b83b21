/**
 * One relay replica's scheduler as its own process, for the three-replica test and bench:jobs.
 * argv: <database url> <owner> <lease ms> [synthetic|deliveries]. Ticks every REPLICA_TICK_MS (15 ms) (standing in for node-cron over a
 * simulated month) until SIGTERM; prints "ready" once connected.
 */
import { createJobRunner } from '../../../cloud/jobs/runner.ts';
import { deliveryGenerationJob } from '../../../cloud/pharmacy/generate-deliveries.ts';
import { createLogger } from '../../../cloud/logger.ts';
import { createPostgresDatabase } from '../../../cloud/store/postgres.ts';
import { simulatedNow, syntheticJob } from './synthetic-job.ts';

const [url, owner, leaseText, jobKind = 'synthetic'] = process.argv.slice(2);
if (url === undefined || owner === undefined || leaseText === undefined) throw new Error('usage: replica-child.ts <url> <owner> <leaseMs>');
const db = createPostgresDatabase({ connectionString: url, max: 4 });
const runner = createJobRunner({
  db,
  jobs: [jobKind === 'deliveries' ? deliveryGenerationJob : syntheticJob(owner)],
  logger: createLogger(process.env.REPLICA_LOG_LEVEL ?? 'warn'),
  owner,
  leaseMs: Number(leaseText),
  clock: simulatedNow,
});
await db.query('SELECT 1');
const TICK_MS = Number(process.env.REPLICA_TICK_MS ?? 15);
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
process.stdout.write('ready\n');
while (!stopping) {
  // Before the driver sets the clock the tick throws; nothing is due then.
  await runner.tick().catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, TICK_MS));
}
await runner.stop();
await db.close();
