/** Prescriptions: a care home's clinician writes one; the care home and its pharmacy read it. No Hono here. */
import { randomBytes } from 'node:crypto';
import { uuidv7 } from '../../../protocols/uuidv7.ts';
import { appendAudit } from '../../audit/append.ts';
import { ProblemError } from '../../errors.ts';
import type { Queryable } from '../../store/database.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';
import { SchedulePlan, warningsOn } from '../../pharmacy/schedule.ts';
import { databaseToday, deliveryStatesOf, findPrescription, insertPrescription, isPharmacy, listPrescriptions } from './repo.ts';
import type { Prescription, PrescriptionInput } from './schema.ts';

/** Adds the warnings in force on the database's day to each prescription. */
async function withWarnings(s: ReturnType<typeof scoped>, items: Array<Omit<Prescription, 'warnings'>>): Promise<Prescription[]> {
  if (items.length === 0) return [];
  const today = await databaseToday(s.raw);
  const states = await deliveryStatesOf(s, items.map((p) => p.id));
  return items.map((p) => {
    // Rows were validated on the way in; one that no longer parses shows no warnings rather than failing the list.
    const plan = SchedulePlan.safeParse(p);
    return { ...p, warnings: plan.success ? warningsOn(plan.data, states.get(p.id) ?? [], today) : [] };
  });
}

export function createPrescriptionsService({ now }: { now: () => Date }) {
  return {
    async create(tx: Queryable, caller: Caller, input: PrescriptionInput): Promise<Prescription> {
      if (caller.orgKind !== 'care-home') throw new ProblemError('forbidden', `Prescriptions are written by a care home's clinician; this key is a ${caller.orgKind}'s`);
      if (!(await isPharmacy(tx, input.pharmacyOrgId))) {
        throw new ProblemError('invalid-request', `No pharmacy ${input.pharmacyOrgId}`, { errors: [{ path: 'pharmacyOrgId', message: 'not a pharmacy organisation' }] });
      }
      const s = scoped(tx, caller);
      const id = uuidv7(now().getTime(), randomBytes(10));
      if (!(await insertPrescription(s, id, input, caller.keyId))) throw new ProblemError('not-found', `No resident ${input.residentId}`);
      await appendAudit(tx, {
        orgId: caller.orgId,
        actor: { kind: 'api-key', id: caller.keyId, orgId: caller.orgId },
        action: 'prescription.create',
        targetType: 'prescription',
        targetId: id,
        detail: { pharmacyOrgId: input.pharmacyOrgId },
      });
      return (await withWarnings(s, [(await findPrescription(s, id))!]))[0]!;
    },
    async list(q: Queryable, caller: Caller, limit: number): Promise<{ items: Prescription[] }> {
      const s = scoped(q, caller);
      return { items: await withWarnings(s, await listPrescriptions(s, limit)) };
    },
  };
}
