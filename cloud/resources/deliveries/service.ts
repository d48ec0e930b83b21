/** Deliveries: list, and move along the lifecycle (illegal or not the caller's step: 409). No Hono here. */
import { appendAudit } from '../../audit/append.ts';
import { ProblemError } from '../../errors.ts';
import { refuseTransition } from '../../pharmacy/delivery-states.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';
import { findDelivery, listDeliveries, moveDelivery } from './repo.ts';
import type { Delivery, DeliveryTransition } from './schema.ts';

export function createDeliveriesService({ now }: { now: () => Date }) {
  return {
    async list(q: Queryable, caller: Caller, dueDay: string | undefined, limit: number): Promise<{ items: Delivery[] }> {
      return { items: await listDeliveries(scoped(q, caller), dueDay, limit) };
    },
    transition(db: Database, caller: Caller, id: string, step: DeliveryTransition): Promise<Delivery> {
      return db.transaction(async function transitionOne(tx) {
        const s = scoped(tx, caller);
        const current = await findDelivery(s, id, true);
        if (current === undefined) throw new ProblemError('not-found', `No delivery ${id}`);
        const refused = refuseTransition(current.status, step.to, caller, current);
        if (refused !== undefined) throw new ProblemError('conflict', refused);
        await moveDelivery(s, id, current.status, step.to, step.to === 'received' ? step.receivedBy : null, now());
        // The care home's chain holds the delivery's history, whoever moved it.
        await appendAudit(tx, {
          orgId: current.orgId,
          actor: { kind: 'api-key', id: caller.keyId, orgId: caller.orgId },
          action: `delivery.${step.to}`,
          targetType: 'delivery',
          targetId: id,
          detail: { from: current.status, to: step.to },
        });
        return (await findDelivery(s, id))!;
      });
    },
  };
}
