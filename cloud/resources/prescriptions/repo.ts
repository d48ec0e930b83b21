/** SQL for prescriptions; visible to the care home that wrote it and the pharmacy it was sent to. */
import type { DeliveryState } from '../../pharmacy/schedule.ts';
import type { Queryable } from '../../store/database.ts';
import type { ScopedDb } from '../../tenancy/context.ts';
import type { Prescription, PrescriptionInput } from './schema.ts';

export interface PrescriptionRow {
  id: string;
  org_id: string;
  resident_id: string;
  pharmacy_org_id: string;
  medication_name: string;
  medication_system: string;
  medication_code: string;
  dose: string | number;
  dose_unit: string;
  times_per_day: string | number;
  quantity_per_fill: string | number;
  repeats: number;
  valid_from: string | Date;
  valid_until: string | Date;
  lead_time_days: number;
  prescriber: string;
  created_at: Date;
  resident_name: string;
  care_home: string;
  room: string | null;
}

/** A `date` column as YYYY-MM-DD whichever driver read it (pg gives a local Date, PGlite a Date at UTC midnight). */
export function dayOf(v: string | Date): string {
  if (typeof v === 'string') return v.slice(0, 10);
  const local = new Date(v.getTime() - v.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

export function toPrescription(r: PrescriptionRow): Omit<Prescription, 'warnings'> {
  return {
    id: r.id,
    orgId: r.org_id,
    residentId: r.resident_id,
    resident: { name: r.resident_name, careHome: r.care_home, room: r.room },
    pharmacyOrgId: r.pharmacy_org_id,
    medication: { name: r.medication_name, system: r.medication_system, code: r.medication_code },
    dose: Number(r.dose),
    doseUnit: r.dose_unit,
    timesPerDay: Number(r.times_per_day),
    quantityPerFill: Number(r.quantity_per_fill),
    repeats: r.repeats,
    validFrom: dayOf(r.valid_from),
    validUntil: dayOf(r.valid_until),
    leadTimeDays: r.lead_time_days,
    prescriber: r.prescriber,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** The prescription joined to the minimum of its resident (name, care home, room). */
export const PRESCRIPTION_SELECT = `SELECT p.*, p.valid_from::text AS valid_from, p.valid_until::text AS valid_until, r.given_name || ' ' || r.family_name AS resident_name, o.name AS care_home, rm.name AS room
  FROM prescriptions p JOIN residents r ON r.id = p.resident_id JOIN orgs o ON o.id = p.org_id
  LEFT JOIN rooms rm ON rm.org_id = r.org_id AND rm.id = r.room_id`;

/** False when the resident is not the caller's. */
export async function insertPrescription(s: ScopedDb, id: string, input: PrescriptionInput, prescriber: string): Promise<boolean> {
  const { rows } = await s.query(
    `INSERT INTO prescriptions (id, org_id, resident_id, pharmacy_org_id, medication_name, medication_system, medication_code, dose, dose_unit,
       times_per_day, quantity_per_fill, repeats, valid_from, valid_until, lead_time_days, prescriber)
     SELECT $1, r.org_id, r.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15 FROM residents r WHERE r.id = $2 AND r.org_id = $org RETURNING id`,
    [id, input.residentId, input.pharmacyOrgId, input.medication.name, input.medication.system, input.medication.code, input.dose, input.doseUnit,
      input.timesPerDay, input.quantityPerFill, input.repeats, input.validFrom, input.validUntil, input.leadTimeDays, prescriber],
  );
  return rows.length === 1;
}

export async function isPharmacy(q: Queryable, orgId: string): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM orgs WHERE id = $1 AND kind = 'pharmacy'`, [orgId]);
  return rows.length === 1;
}

export async function findPrescription(s: ScopedDb, id: string): Promise<Omit<Prescription, 'warnings'> | undefined> {
  const { rows } = await s.query<PrescriptionRow>(`${PRESCRIPTION_SELECT} WHERE p.id = $1 AND (p.org_id = $org OR p.pharmacy_org_id = $org)`, [id]);
  return rows[0] === undefined ? undefined : toPrescription(rows[0]);
}

export async function listPrescriptions(s: ScopedDb, limit: number): Promise<Array<Omit<Prescription, 'warnings'>>> {
  const { rows } = await s.query<PrescriptionRow>(`${PRESCRIPTION_SELECT} WHERE p.org_id = $org OR p.pharmacy_org_id = $org ORDER BY p.id DESC LIMIT $1`, [limit]);
  return rows.map(toPrescription);
}

/** The database's day: warnings and schedules follow it, not the replica's clock. */
export async function databaseToday(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ today: string }>('SELECT current_date::text AS today');
  return rows[0]!.today;
}

/** Deliveries so far of the given prescriptions the caller may see, by prescription id. */
export async function deliveryStatesOf(s: ScopedDb, prescriptionIds: readonly string[]): Promise<Map<string, DeliveryState[]>> {
  const { rows } = await s.query<{ prescription_id: string; fill_no: number; due_day: string; status: DeliveryState['status'] }>(
    `SELECT prescription_id, fill_no, due_day::text AS due_day, status FROM deliveries
     WHERE prescription_id = ANY($1::uuid[]) AND (org_id = $org OR pharmacy_org_id = $org) ORDER BY fill_no`,
    [prescriptionIds],
  );
  const byPrescription = new Map<string, DeliveryState[]>();
  for (const r of rows) {
    const list = byPrescription.get(r.prescription_id) ?? [];
    list.push({ fillNo: r.fill_no, dueDay: r.due_day, status: r.status });
    byPrescription.set(r.prescription_id, list);
  }
  return byPrescription;
}
