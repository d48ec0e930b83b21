/** MedicationRequest ← prescriptions, with dispenseRequest (docs/pharmacy.md#fhir). */
import { daysOfSupply } from '../../pharmacy/schedule.ts';
import type { FhirResource } from '../types.ts';
import { idPagedResourceType } from '../id-paged.ts';
import { organizationReference } from './organization.ts';

const UCUM = 'http://unitsofmeasure.org';

export interface MedicationRequestRow {
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
  valid_from: string;
  valid_until: string;
  prescriber: string;
  created_at: Date | string;
}

export function medicationConcept(r: { medication_name: string; medication_system: string; medication_code: string }) {
  return { coding: [{ system: r.medication_system, code: r.medication_code, display: r.medication_name }], text: r.medication_name };
}

/** FHIR's frequency is a positiveInt per period: twice a day is 2/1 d, every other day 1/2 d. */
function timingOf(timesPerDay: number) {
  return Number.isInteger(timesPerDay) ? { frequency: timesPerDay, period: 1, periodUnit: 'd' } : { frequency: 1, period: 1 / timesPerDay, periodUnit: 'd' };
}

export function toMedicationRequest(r: MedicationRequestRow): FhirResource {
  const dose = Number(r.dose);
  const timesPerDay = Number(r.times_per_day);
  const quantity = Number(r.quantity_per_fill);
  return {
    resourceType: 'MedicationRequest',
    id: r.id,
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: medicationConcept(r),
    subject: { reference: `Patient/${r.resident_id}` },
    authoredOn: new Date(r.created_at).toISOString(),
    requester: { display: `API key ${r.prescriber}` },
    dosageInstruction: [
      {
        text: `${dose} ${r.dose_unit} ${timesPerDay} times a day`,
        timing: { repeat: timingOf(timesPerDay) },
        doseAndRate: [{ doseQuantity: { value: dose, unit: r.dose_unit } }],
      },
    ],
    dispenseRequest: {
      validityPeriod: { start: r.valid_from.slice(0, 10), end: r.valid_until.slice(0, 10) },
      numberOfRepeatsAllowed: r.repeats,
      quantity: { value: quantity, unit: r.dose_unit },
      expectedSupplyDuration: { value: daysOfSupply({ quantityPerFill: quantity, dose, timesPerDay }), unit: 'days', system: UCUM, code: 'd' },
      performer: organizationReference(r.pharmacy_org_id),
    },
  };
}

const SELECT = `SELECT p.id, p.org_id, p.resident_id, p.pharmacy_org_id, p.medication_name, p.medication_system, p.medication_code, p.dose, p.dose_unit,
  p.times_per_day, p.quantity_per_fill, p.repeats, p.valid_from::text AS valid_from, p.valid_until::text AS valid_until, p.prescriber, p.created_at
  FROM prescriptions p WHERE (p.org_id = $org OR p.pharmacy_org_id = $org)`;
export const medicationRequest = idPagedResourceType<MedicationRequestRow>('MedicationRequest', SELECT, 'p.id', toMedicationRequest);
