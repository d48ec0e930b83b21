/**
 * Monthly partitions of `observations` (docs/records.md#partitions), created ahead by the relay at
 * start and once a day, so readings land in their month and a range read touches only its months.
 * A month whose rows already sit in the default partition (a hub's clock ran ahead, an old backlog)
 * is created by moving those rows out first: PostgreSQL refuses to attach a partition over rows the
 * default holds.
 */
import type { Database } from '../../store/database.ts';

export function monthStart(year: number, month0: number): Date {
  return new Date(Date.UTC(year, month0, 1));
}

export function partitionName(month: Date): string {
  return `observations_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Creates the month holding `now` and `monthsAhead` after it; answers the partitions created now. */
export async function ensureObservationPartitions(db: Database, now: Date, monthsAhead = 2): Promise<string[]> {
  const created: string[] = [];
  for (let i = 0; i <= monthsAhead; i += 1) {
    const from = monthStart(now.getUTCFullYear(), now.getUTCMonth() + i);
    const to = monthStart(from.getUTCFullYear(), from.getUTCMonth() + 1);
    if (await createMonth(db, from, to)) created.push(partitionName(from));
  }
  return created;
}

async function createMonth(db: Database, from: Date, to: Date): Promise<boolean> {
  const name = partitionName(from);
  return db.transaction(async function createPartition(tx) {
    // Replicas starting together: one creates, the others see it exists.
    await tx.query('SELECT pg_advisory_xact_lock(7362007)');
    const { rows } = await tx.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [name]);
    if (rows[0]?.found) return false;
    await tx.exec(`CREATE TABLE ${name} (LIKE observations INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await tx.query(
      `WITH moved AS (DELETE FROM observations_default WHERE hub_time >= $1 AND hub_time < $2 RETURNING *)
       INSERT INTO ${name} SELECT * FROM moved`,
      [from.toISOString(), to.toISOString()],
    );
    await tx.exec(`ALTER TABLE observations ATTACH PARTITION ${name} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
    return true;
  });
}
