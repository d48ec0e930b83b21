/**
 * A job of the delivery generator's shape for the replica test and bench:jobs: every day at
 * 02:00 each resident gets two items for that day, each created once by a unique key
 * (resident, day, item) — the second guard behind the claim (docs/jobs.md#idempotent-items).
 * Each run also logs itself without a unique key, so a slot run twice shows up.
 */
import type { Queryable } from '../../../cloud/store/database.ts';
import type { Job } from '../../../cloud/jobs/registry.ts';

export const SYNTHETIC_SCHEMA = `
  CREATE TABLE IF NOT EXISTS sim_items (
    resident_id integer NOT NULL, due_day date NOT NULL, item_no smallint NOT NULL, created_by text NOT NULL,
    PRIMARY KEY (resident_id, due_day, item_no));
  CREATE TABLE IF NOT EXISTS sim_run_log (slot timestamptz NOT NULL, owner text NOT NULL);
  CREATE TABLE IF NOT EXISTS sim_clock (t timestamptz NOT NULL);
  CREATE TABLE IF NOT EXISTS sim_config (residents integer NOT NULL, batch integer NOT NULL, batch_delay_ms integer NOT NULL);
`;

/** The simulated month's time, kept in the database so every replica reads the same. */
export async function simulatedNow(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ t: Date | string }>('SELECT t FROM sim_clock');
  if (rows[0] === undefined) throw new Error('the simulated clock is not set yet');
  return new Date(rows[0].t);
}

export function syntheticJob(owner: string): Job {
  return {
    id: 'synthetic-deliveries',
    schedule: '0 2 * * *',
    async run({ db, now }) {
      await db.query('INSERT INTO sim_run_log (slot, owner) VALUES ($1, $2)', [now.toISOString(), owner]);
      const { rows } = await db.query<{ residents: number; batch: number; batch_delay_ms: number }>('SELECT * FROM sim_config');
      const { residents, batch, batch_delay_ms: delay } = rows[0]!;
      const day = now.toISOString().slice(0, 10);
      let done = 0;
      for (let lo = 1; lo <= residents; lo += batch) {
        const inserted = await db.query(
          `INSERT INTO sim_items (resident_id, due_day, item_no, created_by)
           SELECT r, $1::date, n, $4 FROM generate_series($2::int, $3::int) r, generate_series(1, 2) n
           ON CONFLICT DO NOTHING RETURNING 1`,
          [day, lo, Math.min(residents, lo + batch - 1), owner],
        );
        done += inserted.rows.length;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
      return { done };
    },
  };
}
