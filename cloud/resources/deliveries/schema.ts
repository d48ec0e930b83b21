/** Deliveries, one per fill of a prescription (docs/pharmacy.md#lifecycle). */
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../pharmacy/delivery-states.ts';
import { ResidentMinimum } from '../prescriptions/schema.ts';

export const Delivery = z
  .object({
    id: z.string(),
    prescriptionId: z.string(),
    orgId: z.string().describe('The care home it goes to'),
    pharmacyOrgId: z.string(),
    resident: ResidentMinimum,
    medication: z.object({ name: z.string(), system: z.string(), code: z.string() }),
    quantity: z.number(),
    fillNo: z.number().int(),
    dueDay: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    receivedBy: z.string().nullable(),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Delivery' });
export type Delivery = z.infer<typeof Delivery>;
export const DeliveryList = z.object({ items: z.array(Delivery) });
export const DeliveryParams = z.object({ id: z.uuid() });
export const DeliveryQuery = z.strictObject({
  dueDay: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe("Only this day's deliveries (the panel's today)"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const DeliveryTransition = z
  .discriminatedUnion('to', [
    z.strictObject({ to: z.literal('ordered') }),
    z.strictObject({ to: z.literal('dispatched') }),
    z.strictObject({ to: z.literal('delivered') }),
    z.strictObject({ to: z.literal('received'), receivedBy: z.string().trim().min(1).max(200).describe('Who at the home took it in') }),
  ])
  .meta({ id: 'DeliveryTransition' });
export type DeliveryTransition = z.infer<typeof DeliveryTransition>;
