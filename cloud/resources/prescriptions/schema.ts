/** Prescriptions of long-term medication (docs/pharmacy.md#prescriptions). */
import { z } from 'zod';
import { SchedulePlan, isoDay } from '../../pharmacy/schedule.ts';

export const PrescriptionInput = z
  .strictObject({
    residentId: z.uuid(),
    pharmacyOrgId: z.string().min(1).max(200).describe('The pharmacy organisation it is sent to'),
    medication: z.strictObject({
      name: z.string().trim().min(1).max(300),
      system: z.string().url().max(300).default('http://snomed.info/sct'),
      code: z.string().trim().min(1).max(100),
    }),
    dose: z.number().positive().max(10_000),
    doseUnit: z.string().trim().min(1).max(50).default('tablet'),
    timesPerDay: z.number().positive().max(48),
    quantityPerFill: z.number().positive().max(100_000),
    repeats: z.number().int().min(0).max(120),
    validFrom: isoDay,
    validUntil: isoDay,
    leadTimeDays: z.number().int().min(0).max(60).default(3),
  })
  .superRefine((p, ctx) => {
    const plan = SchedulePlan.safeParse(p);
    if (!plan.success) for (const issue of plan.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  })
  .meta({ id: 'PrescriptionInput' });
export type PrescriptionInput = z.infer<typeof PrescriptionInput>;

/** The minimum of a resident a pharmacy needs to deliver (docs/pharmacy.md#access). */
export const ResidentMinimum = z.object({ name: z.string(), careHome: z.string(), room: z.string().nullable() }).meta({ id: 'ResidentMinimum' });

export const Prescription = z
  .object({
    id: z.string(),
    orgId: z.string().describe('The care home'),
    residentId: z.string(),
    resident: ResidentMinimum,
    pharmacyOrgId: z.string(),
    medication: z.object({ name: z.string(), system: z.string(), code: z.string() }),
    dose: z.number(),
    doseUnit: z.string(),
    timesPerDay: z.number(),
    quantityPerFill: z.number(),
    repeats: z.number().int(),
    validFrom: z.string(),
    validUntil: z.string(),
    leadTimeDays: z.number().int(),
    prescriber: z.string().describe('API key of the prescribing clinician'),
    createdAt: z.string(),
    warnings: z
      .array(
        z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('not-dispatched'), fillNo: z.number().int(), dueDay: z.string() }),
          z.object({ kind: z.literal('no-repeats-left'), runOutDay: z.string() }),
          z.object({ kind: z.literal('expiring'), validUntil: z.string() }),
        ]),
      )
      .describe("In force on the database's today (docs/pharmacy.md#the-schedule)"),
  })
  .meta({ id: 'Prescription' });
export type Prescription = z.infer<typeof Prescription>;
export const PrescriptionList = z.object({ items: z.array(Prescription) });
