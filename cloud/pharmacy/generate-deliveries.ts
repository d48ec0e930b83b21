/**
 * Delivery generation job (docs/pharmacy.md#generation). For every prescription still valid on the
 * database's day, creates the fills due within the horizon as `scheduled` (the care home's panel shows
 * them coming) and marks those due today or earlier `ordered` (the pharmacy sees them). Idempotent:
 * INSERT ... ON CONFLICT (prescription_id, fill_no) DO NOTHING and UPDATE ... WHERE status = 'scheduled',
 * so a double run or a run taken over from a dead replica creates nothing twice.
 */
import { randomBytes } from 'node:crypto';
import { uuidv7 } from '../../protocols/uuidv7.ts';
import type { Job, JobContext } from '../jobs/registry.ts';
import { planOf, prescriptionPages } from './prescription-pages.ts';
import { fillsDueBy, fromDayNumber, toDayNumber } from './schedule.ts';

/** Fills due up to this many days ahead are created early, so the home sees what is coming. */
export const GENERATION_HORIZON_DAYS = 7;

export async function generateDeliveries(ctx: JobContext): Promise<{ done: number }> {
  // ctx.now is the database's time for this slot: the day is UTC's day of it.
  const today = ctx.now.toISOString().slice(0, 10);
  const horizon = fromDayNumber(toDayNumber(today)! + GENERATION_HORIZON_DAYS);
  let done = 0;
  for await (const rows of prescriptionPages(ctx.db, today, horizon)) {
    const ids: string[] = [];
    const prescriptionIds: string[] = [];
    const orgs: string[] = [];
    const pharmacies: string[] = [];
    const fillNos: number[] = [];
    const dueDays: string[] = [];
    for (const r of rows) {
      const plan = planOf(r);
      if (!plan.success) {
        ctx.logger.warn({ prescriptionId: r.id, issues: plan.error.issues.map((i) => i.message) }, 'prescription skipped: not a valid schedule');
        continue;
      }
      for (const f of fillsDueBy(plan.data, horizon)) {
        ids.push(uuidv7(ctx.now.getTime(), randomBytes(10)));
        prescriptionIds.push(r.id);
        orgs.push(r.org_id);
        pharmacies.push(r.pharmacy_org_id);
        fillNos.push(f.fillNo);
        dueDays.push(f.dueDay);
      }
    }
    if (ids.length > 0) {
      const created = await ctx.db.query(
        `INSERT INTO deliveries (id, prescription_id, org_id, pharmacy_org_id, fill_no, due_day)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::date[])
         ON CONFLICT (prescription_id, fill_no) DO NOTHING RETURNING id`,
        [ids, prescriptionIds, orgs, pharmacies, fillNos, dueDays],
      );
      done += created.rows.length;
    }
  }
  const ordered = await ctx.db.query(
    `WITH moved AS (UPDATE deliveries SET status = 'ordered', version = version + 1, updated_at = $2
       WHERE status = 'scheduled' AND due_day <= $1::date RETURNING id)
     INSERT INTO delivery_events (delivery_id, from_status, to_status, actor, at) SELECT id, 'scheduled', 'ordered', 'system:deliveries.generate', $2 FROM moved RETURNING delivery_id`,
    [today, ctx.now.toISOString()],
  );
  done += ordered.rows.length;
  return { done };
}

export const deliveryGenerationJob: Job = { id: 'deliveries.generate', schedule: '*/15 * * * *', run: generateDeliveries };
