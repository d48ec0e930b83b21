/**
 * Delivery lifecycle (docs/pharmacy.md#lifecycle): scheduled → ordered → dispatched → delivered →
 * received. Who may take each step: the care home orders and receives, the pharmacy it was sent to
 * dispatches and delivers. Pure: the service looks the step up here and answers 409 otherwise.
 */
import type { Caller } from '../tenancy/context.ts';

export const DELIVERY_STATUSES = ['scheduled', 'ordered', 'dispatched', 'delivered', 'received'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export type DeliveryTarget = Exclude<DeliveryStatus, 'scheduled'>;

type Party = 'care-home' | 'pharmacy';

const STEPS: Readonly<Record<DeliveryTarget, { from: DeliveryStatus; by: Party }>> = {
  ordered: { from: 'scheduled', by: 'care-home' },
  dispatched: { from: 'ordered', by: 'pharmacy' },
  delivered: { from: 'dispatched', by: 'pharmacy' },
  received: { from: 'delivered', by: 'care-home' },
};

export interface DeliveryParties {
  orgId: string;
  pharmacyOrgId: string;
}

/** Why the step is refused, or undefined when `caller` may move the delivery from `from` to `to`. */
export function refuseTransition(from: DeliveryStatus, to: DeliveryTarget, caller: Pick<Caller, 'orgId' | 'role'>, parties: DeliveryParties): string | undefined {
  const step = STEPS[to];
  if (step.from !== from) return `A delivery that is ${from} cannot become ${to} (only from ${step.from})`;
  if (step.by === 'pharmacy') {
    if (caller.orgId !== parties.pharmacyOrgId || caller.role !== 'pharmacist') return `Only a pharmacist of the pharmacy it was sent to marks a delivery ${to}`;
  } else if (caller.orgId !== parties.orgId || (caller.role !== 'clinician' && caller.role !== 'operator')) {
    return `Only the care home's clinician or operator marks a delivery ${to}`;
  }
  return undefined;
}
