/**
 * Daily pharmacy warnings job (docs/pharmacy.md#the-schedule): for every prescription valid on the
 * database's day (or expired within the notice window), logs the warnings in force — a delivery not
 * dispatched by its due day, no repeats left before run-out, expiring — with ids only, never a
 * resident's name. The same warnings come with every prescription on GET /v1/prescriptions; this job
 * is what puts them in front of the on-call staff's log alerting once a day.
 */
import type { Job, JobContext } from '../jobs/registry.ts';
import { planOf, prescriptionPages } from './prescription-pages.ts';
import { warningsOn, type DeliveryState } from './schedule.ts';

export async function logPharmacyWarnings(ctx: JobContext): Promise<{ done: number }> {
  const today = ctx.now.toISOString().slice(0, 10);
  let done = 0;
  for await (const rows of prescriptionPages(ctx.db, today, today)) {
    const { rows: deliveries } = await ctx.db.query<{ prescription_id: string; fill_no: number; due_day: string; status: DeliveryState['status'] }>(
      `SELECT prescription_id, fill_no, due_day::text AS due_day, status FROM deliveries WHERE prescription_id = ANY($1::uuid[]) ORDER BY fill_no`,
      [rows.map((r) => r.id)],
    );
    const byPrescription = new Map<string, DeliveryState[]>();
    for (const d of deliveries) {
      const list = byPrescription.get(d.prescription_id) ?? [];
      list.push({ fillNo: d.fill_no, dueDay: d.due_day, status: d.status });
      byPrescription.set(d.prescription_id, list);
    }
    for (const r of rows) {
      const plan = planOf(r);
      if (!plan.success) continue;
      for (const warning of warningsOn(plan.data, byPrescription.get(r.id) ?? [], today)) {
        ctx.logger.warn({ prescriptionId: r.id, orgId: r.org_id, pharmacyOrgId: r.pharmacy_org_id, warning }, `pharmacy warning: ${warning.kind}`);
        done += 1;
      }
    }
  }
  return { done };
}

export const pharmacyWarningsJob: Job = { id: 'pharmacy.warnings', schedule: '0 6 * * *', run: logPharmacyWarnings };
