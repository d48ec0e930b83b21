/**
 * SQL for deliveries. The care home sees all of its deliveries; the pharmacy sees those sent to it
 * once ordered (a scheduled fill is still the home's to order), with only the resident's minimum.
 */
import type { ScopedDb } from '../../tenancy/context.ts';
import type { DeliveryStatus } from '../../pharmacy/delivery-states.ts';
import { dayOf } from '../prescriptions/repo.ts';
import type { Delivery } from './schema.ts';

interface DeliveryRow {
  id: string;
  prescription_id: string;
  org_id: string;
  pharmacy_org_id: string;
  fill_no: number;
  due_day: string | Date;
  status: DeliveryStatus;
  received_by: string | null;
  version: number;
  updated_at: Date;
  medication_name: string;
  medication_system: string;
  medication_code: string;
  quantity_per_fill: string | number;
  resident_name: string;
  care_home: string;
  room: string | null;
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    prescriptionId: r.prescription_id,
    orgId: r.org_id,
    pharmacyOrgId: r.pharmacy_org_id,
    resident: { name: r.resident_name, careHome: r.care_home, room: r.room },
    medication: { name: r.medication_name, system: r.medication_system, code: r.medication_code },
    quantity: Number(r.quantity_per_fill),
    fillNo: r.fill_no,
    dueDay: dayOf(r.due_day),
    status: r.status,
    receivedBy: r.received_by,
    version: r.version,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

const SELECT = `SELECT d.*, d.due_day::text AS due_day, p.medication_name, p.medication_system, p.medication_code, p.quantity_per_fill,
    r.given_name || ' ' || r.family_name AS resident_name, o.name AS care_home, rm.name AS room
  FROM deliveries d JOIN prescriptions p ON p.id = d.prescription_id JOIN residents r ON r.id = p.resident_id
  JOIN orgs o ON o.id = d.org_id LEFT JOIN rooms rm ON rm.org_id = r.org_id AND rm.id = r.room_id`;
const VISIBLE = `(d.org_id = $org OR (d.pharmacy_org_id = $org AND d.status <> 'scheduled'))`;

export async function findDelivery(s: ScopedDb, id: string, forUpdate = false): Promise<Delivery | undefined> {
  const { rows } = await s.query<DeliveryRow>(`${SELECT} WHERE d.id = $1 AND ${VISIBLE}${forUpdate ? ' FOR UPDATE OF d' : ''}`, [id]);
  return rows[0] === undefined ? undefined : toDelivery(rows[0]);
}

export async function listDeliveries(s: ScopedDb, dueDay: string | undefined, limit: number): Promise<Delivery[]> {
  const { rows } = await s.query<DeliveryRow>(`${SELECT} WHERE ${VISIBLE} AND ($1::date IS NULL OR d.due_day = $1::date) ORDER BY d.due_day DESC, d.id LIMIT $2`, [
    dueDay ?? null,
    limit,
  ]);
  return rows.map(toDelivery);
}

export async function moveDelivery(s: ScopedDb, id: string, from: DeliveryStatus, to: DeliveryStatus, receivedBy: string | null, at: Date): Promise<void> {
  await s.query(
    `WITH moved AS (UPDATE deliveries d SET status = $3, received_by = COALESCE($4, d.received_by), version = d.version + 1, updated_at = $5
       WHERE d.id = $1 AND d.status = $2 AND ${VISIBLE} RETURNING d.id)
     INSERT INTO delivery_events (delivery_id, from_status, to_status, actor, actor_org, at) SELECT id, $2, $3, $6, $org, $5 FROM moved`,
    [id, from, to, receivedBy, at.toISOString(), s.caller.keyId],
  );
}
