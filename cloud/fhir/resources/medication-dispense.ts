/** MedicationDispense ← deliveries, one per fill (docs/pharmacy.md#fhir). */
import { daysOfSupply } from '../../pharmacy/schedule.ts';
import type { DeliveryStatus } from '../../pharmacy/delivery-states.ts';
import type { FhirResource } from '../types.ts';
import { medicationConcept } from './medication-request.ts';
import { idPagedResourceType } from '../id-paged.ts';
import { organizationReference } from './organization.ts';

const UCUM = 'http://unitsofmeasure.org';

/** The delivery lifecycle in MedicationDispense's status codes (http://hl7.org/fhir/R4/valueset-medicationdispense-status.html). */
const DISPENSE_STATUS: Readonly<Record<DeliveryStatus, string>> = {
  scheduled: 'preparation',
  ordered: 'preparation',
  dispatched: 'in-progress',
  delivered: 'in-progress',
  received: 'completed',
};

export interface MedicationDispenseRow {
  id: string;
  prescription_id: string;
  resident_id: string;
  pharmacy_org_id: string;
  fill_no: number;
  status: DeliveryStatus;
  received_by: string | null;
  received_at: Date | string | null;
  medication_name: string;
  medication_system: string;
  medication_code: string;
  dose: string | number;
  dose_unit: string;
  times_per_day: string | number;
  quantity_per_fill: string | number;
}

export function toMedicationDispense(r: MedicationDispenseRow): FhirResource {
  const quantity = Number(r.quantity_per_fill);
  const days = daysOfSupply({ quantityPerFill: quantity, dose: Number(r.dose), timesPerDay: Number(r.times_per_day) });
  return {
    resourceType: 'MedicationDispense',
    id: r.id,
    identifier: [{ system: 'urn:carehub:prescription-fill', value: `${r.prescription_id}/${r.fill_no}` }],
    status: DISPENSE_STATUS[r.status],
    medicationCodeableConcept: medicationConcept(r),
    subject: { reference: `Patient/${r.resident_id}` },
    performer: [{ actor: organizationReference(r.pharmacy_org_id) }],
    authorizingPrescription: [{ reference: `MedicationRequest/${r.prescription_id}` }],
    quantity: { value: quantity, unit: r.dose_unit },
    daysSupply: { value: days, unit: 'days', system: UCUM, code: 'd' },
    ...(r.received_at !== null && { whenHandedOver: new Date(r.received_at).toISOString() }),
    ...(r.received_by !== null && { receiver: [{ display: r.received_by }] }),
  };
}

const SELECT = `SELECT d.id, d.prescription_id, p.resident_id, d.pharmacy_org_id, d.fill_no, d.status, d.received_by,
  (SELECT max(e.at) FROM delivery_events e WHERE e.delivery_id = d.id AND e.to_status = 'received') AS received_at,
  p.medication_name, p.medication_system, p.medication_code, p.dose, p.dose_unit, p.times_per_day, p.quantity_per_fill
  FROM deliveries d JOIN prescriptions p ON p.id = d.prescription_id
  WHERE (d.org_id = $org OR (d.pharmacy_org_id = $org AND d.status <> 'scheduled'))`;
export const medicationDispense = idPagedResourceType<MedicationDispenseRow>('MedicationDispense', SELECT, 'd.id', toMedicationDispense);
