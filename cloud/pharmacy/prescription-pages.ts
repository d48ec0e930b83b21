/**
 * The prescriptions the pharmacy jobs walk (docs/pharmacy.md): those valid at some point between
 * two days, read in id-keyed pages so a large relay is never loaded whole, and each row's schedule
 * parsed once here rather than in every job.
 */
import type { JobContext } from '../jobs/registry.ts';
import { SchedulePlan } from './schedule.ts';

const PAGE = 500;

export interface PrescriptionRow {
  id: string;
  org_id: string;
  pharmacy_org_id: string;
  quantity_per_fill: string | number;
  dose: string | number;
  times_per_day: string | number;
  repeats: number;
  valid_from: string;
  valid_until: string;
  lead_time_days: number;
}

/** Pages of prescriptions valid on some day of `fromDay`..`toDay` (ISO dates), in id order. */
export async function* prescriptionPages(db: JobContext['db'], fromDay: string, toDay: string): AsyncGenerator<PrescriptionRow[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await db.query<PrescriptionRow>(
      `SELECT id, org_id, pharmacy_org_id, quantity_per_fill, dose, times_per_day, repeats, valid_from::text AS valid_from,
         valid_until::text AS valid_until, lead_time_days
       FROM prescriptions WHERE valid_until >= $1::date AND valid_from <= $2::date AND id > $3 ORDER BY id LIMIT $4`,
      [fromDay, toDay, after, PAGE],
    );
    if (rows.length === 0) return;
    after = rows.at(-1)!.id;
    yield rows;
  }
}

/** The row's schedule, or the reasons it is not one (numeric columns arrive as strings from pg). */
export function planOf(r: PrescriptionRow) {
  return SchedulePlan.safeParse({
    quantityPerFill: Number(r.quantity_per_fill),
    dose: Number(r.dose),
    timesPerDay: Number(r.times_per_day),
    repeats: r.repeats,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    leadTimeDays: r.lead_time_days,
  });
}
