/** The delivery lifecycle, exhaustively: every status × every target × every kind of caller. */
import t from 'tap';
import { DELIVERY_STATUSES, refuseTransition, type DeliveryTarget } from '../../../cloud/pharmacy/delivery-states.ts';
import { ROLES } from '../../../cloud/tenancy/context.ts';

const parties = { orgId: 'home', pharmacyOrgId: 'pharm' };
const NEXT: Record<string, DeliveryTarget | undefined> = { scheduled: 'ordered', ordered: 'dispatched', dispatched: 'delivered', delivered: 'received', received: undefined };
const PHARMACY_STEPS = new Set<DeliveryTarget>(['dispatched', 'delivered']);

t.test('only the next status, and only by its party', async (t) => {
  let allowed = 0;
  for (const from of DELIVERY_STATUSES) {
    for (const to of DELIVERY_STATUSES.filter((s): s is DeliveryTarget => s !== 'scheduled')) {
      for (const orgId of ['home', 'pharm', 'elsewhere']) {
        for (const role of ROLES) {
          const expected =
            NEXT[from] === to &&
            (PHARMACY_STEPS.has(to) ? orgId === 'pharm' && role === 'pharmacist' : orgId === 'home' && (role === 'clinician' || role === 'operator'));
          const refused = refuseTransition(from, to, { orgId, role }, parties);
          if (expected) allowed += 1;
          t.equal(refused === undefined, expected, `${from} → ${to} by ${role} of ${orgId}`);
        }
      }
    }
  }
  t.equal(allowed, 6, 'ordered and received by two roles of the home, dispatched and delivered by the pharmacist');
});
