/**
 * Every shape the FHIR facade emits, checked by an independent validator (test/support/fhir-validator.ts:
 * @medplum/core over the R4 StructureDefinitions and vital-signs profiles), not by our own schemas.
 */
import t from 'tap';
import { DEVICE_MEASURES, VITAL_METRICS } from '../../../protocols/vitals.ts';
import { searchsetBundle } from '../../../cloud/fhir/bundle.ts';
import { capabilityStatement } from '../../../cloud/fhir/capability.ts';
import { operationOutcome } from '../../../cloud/fhir/outcome.ts';
import { fhirResourceTypes } from '../../../cloud/fhir/registry.ts';
import { toDevice } from '../../../cloud/fhir/resources/device.ts';
import { toLocation } from '../../../cloud/fhir/resources/location.ts';
import { toObservation, type ObservationRow } from '../../../cloud/fhir/resources/observation.ts';
import { toOrganization } from '../../../cloud/fhir/resources/organization.ts';
import { toPatient } from '../../../cloud/fhir/resources/patient.ts';
import { fhirIssues } from '../../support/fhir-validator.ts';

const RESIDENT = '0192b3c4-0000-7000-8000-000000000001';
const EVENT = '0192b3c4-1111-7000-8000-000000000002';

function row(metric: string, unit: string | null, loinc: string | null, value: number | null = 42, valueCode: string | null = null): ObservationRow {
  return {
    id: EVENT,
    metric,
    loinc,
    unit,
    value,
    value_code: valueCode,
    hub_id: 'hub-a',
    device_id: 'oxi-1',
    device_known: true,
    resident_id: RESIDENT,
    hub_time: new Date('2026-03-01T08:00:00.000Z'),
    relay_time: new Date('2026-03-01T08:00:01.250Z'),
  };
}

t.test('every metric becomes a valid Observation; vital signs claim and meet their profiles', async (t) => {
  for (const [metric, { loinc, unit }] of Object.entries(VITAL_METRICS)) {
    const obs = toObservation(row(metric, unit, loinc));
    t.same(fhirIssues(obs), [], `${metric} (${loinc}, ${unit})`);
  }
  for (const [metric, { unit }] of Object.entries(DEVICE_MEASURES)) {
    t.same(fhirIssues(toObservation(row(metric, unit, null))), [], `${metric} (no LOINC)`);
  }
  t.same(fhirIssues(toObservation(row('consciousness', null, null, null, 'C'))), [], 'a coded staff entry (consciousness)');
  const onOxygen = toObservation(row('on-oxygen', null, null, 1, 'oxygen'));
  t.same(fhirIssues(onOxygen), [], 'a coded staff entry with a number beside it (on oxygen)');
  t.match(onOxygen, { valueCodeableConcept: { text: 'oxygen' } }, 'the code is the value');
  const hr = toObservation(row('heart-rate', '/min', '8867-4'));
  t.same((hr.meta as { profile: string[] }).profile, ['http://hl7.org/fhir/StructureDefinition/vitalsigns', 'http://hl7.org/fhir/StructureDefinition/heartrate']);
  const spo2 = toObservation(row('spo2', '%', '59408-5'));
  t.match((spo2.meta as { profile: string[] }).profile, ['http://hl7.org/fhir/StructureDefinition/vitalsigns', 'http://hl7.org/fhir/StructureDefinition/oxygensat']);
  const glucose = toObservation(row('glucose', 'mg/dL', '2339-0'));
  t.notOk((glucose.meta as { profile?: string[] }).profile, 'glucose is laboratory, not a vital sign');
});

t.test('the validator is not vacuous: a wrong code or unit under a vital-signs profile is refused', async (t) => {
  const hr = toObservation(row('heart-rate', '/min', '8867-4'));
  t.match(fhirIssues({ ...hr, code: { coding: [{ system: 'http://loinc.org', code: '9279-1' }] } }).join('\n'), /HeartRateCode/, 'heartrate needs 8867-4');
  t.match(fhirIssues({ ...hr, valueQuantity: { value: 70, unit: 'beats', system: 'http://unitsofmeasure.org', code: '{beats}/min' } }).join('\n'), /fixes \/min/, 'heartrate needs /min');
  const weight = toObservation(row('body-weight', 'kg', '29463-7'));
  t.match(fhirIssues({ ...weight, valueQuantity: { value: 70, unit: 'st', system: 'http://unitsofmeasure.org', code: '[stone_av]' } }).join('\n'), /ucum-bodyweight/, 'bodyweight units are bound');
  t.match(fhirIssues({ ...hr, category: [] }).join('\n'), /VSCat|category/, 'vital-signs category required');
  t.match(fhirIssues({ ...hr, subject: undefined }).join('\n'), /subject/, 'subject required');
  t.match(fhirIssues({ ...hr, effectiveDateTime: '2026-03-01 08:00' }).join('\n'), /dateTime/, 'dateTime format');
  t.match(fhirIssues({ ...hr, unknownElement: 1 }).join('\n'), /unknownElement/, 'no invented elements');
});

t.test('Patient, Device, Location (room, bed), Organization are valid R4', async (t) => {
  const patient = toPatient({
    id: RESIDENT,
    org_id: 'org-a',
    family_name: 'Doe',
    given_name: 'Jane',
    birth_date: '1940-02-29',
    updated_at: new Date('2026-03-01T00:00:00Z'),
    identifiers: [{ system: 'urn:carehub:hub:hub-a', value: 'res-7' }],
  });
  t.same(fhirIssues(patient), [], 'Patient');
  t.equal(patient.birthDate, '1940-02-29');
  t.same(fhirIssues(toPatient({ id: RESIDENT, org_id: 'org-a', family_name: 'X', given_name: 'Y', birth_date: '1950-01-01', updated_at: new Date(), identifiers: '[]' })), [], 'Patient without identifiers');
  const device = toDevice({ org_id: 'org-a', hub_id: 'hub:a_1', id: 'oxi_1', kind: 'pulse-oximeter', label: 'Oximeter', resident_id: RESIDENT, room_id: 'room_101' });
  t.same(fhirIssues(device), [], 'Device');
  t.match(device.id, /^[a-f0-9]{32}$/, 'a FHIR id even for ids with _ and :');
  t.same(fhirIssues(toDevice({ org_id: 'org-a', hub_id: 'h', id: 'd', kind: 'call-point', label: null, resident_id: null, room_id: null })), [], 'unbound Device');
  t.same(fhirIssues(toLocation({ fhir_id: 'abc', kind: 'room', org_id: 'org-a', id: 'room-101', name: 'Room 101', room_id: null })), [], 'room');
  const bed = toLocation({ fhir_id: 'def', kind: 'bed', org_id: 'org-a', id: 'bed-1', name: 'Bed by the window', room_id: 'room-101' });
  t.same(fhirIssues(bed), [], 'bed');
  t.ok(bed.partOf, 'a bed is part of its room');
  t.same(fhirIssues(toOrganization({ id: 'org-a', name: 'Home A', kind: 'care-home' })), [], 'Organization');
});

t.test('searchset Bundle with self and next, OperationOutcome, CapabilityStatement', async (t) => {
  const obs = toObservation(row('heart-rate', '/min', '8867-4'));
  const bundle = searchsetBundle({
    base: 'http://relay.test/fhir',
    self: new URL('http://relay.test/fhir/Observation?patient=x&date=ge2026-01-01'),
    nextCursor: 'abc',
    entries: [{ resource: obs }],
    timestamp: new Date('2026-03-01T00:00:00Z'),
  });
  t.same(fhirIssues(bundle), [], 'Bundle');
  t.same((bundle.link as Array<{ relation: string }>).map((l) => l.relation), ['self', 'next']);
  t.match((bundle.link as Array<{ url: string }>)[1]!.url, /_cursor=abc/);
  t.same(fhirIssues(operationOutcome('invalid', 'bad', '_count')), [], 'OperationOutcome');
  const capability = capabilityStatement({ base: 'http://relay.test/fhir', types: fhirResourceTypes, roles: ['operator'] });
  t.same(fhirIssues(capability), [], 'CapabilityStatement');
  const rest = (capability.rest as Array<{ resource: Array<{ type: string; searchParam: Array<{ name: string }> }> }>)[0]!;
  t.same(rest.resource.map((r) => r.type), fhirResourceTypes.map((r) => r.type), 'states exactly the registry');
  t.same(rest.resource.find((r) => r.type === 'Observation')!.searchParam.map((p) => p.name), ['patient', 'code', 'date', '_count', '_sort']);
});
