/**
 * Observation ← observations (one row per measured value, partitioned by month of hub_time).
 * Vital signs claim the R4 vitalsigns profile and, where one exists, the specific profile
 * (cloud/fhir/vital-signs.ts); effectiveDateTime is the hub's time, issued the relay's.
 * Rows not yet linked to a resident are not served: a vital sign needs a subject.
 */
import { z } from 'zod';
import type { ScopedDb } from '../../tenancy/context.ts';
import { FHIR_ID } from '../fhir-id.ts';
import { invalidParam } from '../outcome.ts';
import { decodeCursor, encodeCursor, parseDateRange, parseReferenceId, parseTokens } from '../search-params.ts';
import type { FhirResource, FhirResourceType, SearchPage } from '../types.ts';
import { categoryOf, LOINC, METRIC_SYSTEM, metricsOfLoinc, OBSERVATION_CATEGORY, OBSERVATION_PROFILES, UCUM, VITAL_SIGNS_PROFILE, vitalSignOf } from '../vital-signs.ts';
import { residentVisibleSql } from '../visibility.ts';
import { deviceId } from './device.ts';
import { isResidentId } from './patient.ts';

export interface ObservationRow {
  id: string;
  metric: string;
  loinc: string | null;
  /** null for a coded staff entry (consciousness, on oxygen). */
  unit: string | null;
  value: number | null;
  value_code: string | null;
  hub_id: string;
  device_id: string | null;
  device_known: boolean;
  resident_id: string;
  hub_time: Date | string;
  relay_time: Date | string;
}

const UUID_LENGTH = 36;

/** `<event id>-<metric>`: one event may carry several metrics (a staff entry), each its own Observation. */
export function observationId(eventId: string, metric: string): string {
  return `${eventId}-${metric}`;
}

function splitObservationId(id: string): { eventId: string; metric: string } | undefined {
  if (!FHIR_ID.test(id) || id[UUID_LENGTH] !== '-') return undefined;
  const eventId = id.slice(0, UUID_LENGTH);
  return isResidentId(eventId) ? { eventId, metric: id.slice(UUID_LENGTH + 1) } : undefined;
}

export function toObservation(row: ObservationRow): FhirResource {
  const vital = vitalSignOf(row.metric);
  const category = categoryOf(row.metric);
  const loincCodings = row.loinc === null ? [] : [row.loinc, ...(vital?.alsoLoinc ?? [])].map((code) => ({ system: LOINC, code }));
  const profiles = vital ? [VITAL_SIGNS_PROFILE, ...(vital.profile ? [vital.profile] : [])] : [];
  // A coded entry may also carry a number for charts ('on-oxygen': 1 and 'oxygen'); the code is what it says.
  const value =
    row.value_code !== null
      ? { valueCodeableConcept: { coding: [{ system: `${METRIC_SYSTEM}:${row.metric}`, code: row.value_code }], text: row.value_code } }
      : { valueQuantity: { value: row.value, ...(row.unit !== null && { unit: row.unit, system: UCUM, code: row.unit }) } };
  return {
    resourceType: 'Observation',
    id: observationId(row.id, row.metric),
    meta: { lastUpdated: new Date(row.relay_time).toISOString(), ...(profiles.length > 0 && { profile: profiles }) },
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: category }] }],
    code: { coding: [...loincCodings, { system: METRIC_SYSTEM, code: row.metric }], text: row.metric },
    subject: { reference: `Patient/${row.resident_id}` },
    effectiveDateTime: new Date(row.hub_time).toISOString(),
    issued: new Date(row.relay_time).toISOString(),
    ...value,
    ...(row.device_id !== null && row.device_known && { device: { reference: `Device/${deviceId(row.hub_id, row.device_id)}` } }),
  };
}

const SELECT = (visible: string) => `
  SELECT o.id, o.metric, o.loinc, o.unit, o.value, o.value_code, o.hub_id, o.device_id, (d.id IS NOT NULL) AS device_known,
         o.resident_id, o.hub_time, o.relay_time
  FROM observations o
  JOIN residents r ON r.id = o.resident_id AND r.org_id = o.org_id
  LEFT JOIN devices d ON d.hub_id = o.hub_id AND d.id = o.device_id
  WHERE ${visible}`;

/** The metrics a `code` value names; an unknown code names none (no match, not an error). */
function metricsOfCode(value: string): string[] {
  return parseTokens('code', value).flatMap((t) => {
    if (t.system === METRIC_SYSTEM) return [t.code];
    if (t.system === undefined || t.system === LOINC) return [...metricsOfLoinc(t.code), ...(t.system === undefined ? [t.code] : [])];
    return [];
  });
}

const Cursor = z.object({ t: z.iso.datetime(), id: z.string().regex(/^[0-9a-f-]{36}$/i), m: z.string() });

export const observation: FhirResourceType = {
  type: 'Observation',
  supportedProfiles: OBSERVATION_PROFILES,
  searchParams: {
    patient: { type: 'reference', documentation: 'Patient/{id} or {id}', definition: 'http://hl7.org/fhir/SearchParameter/clinical-patient' },
    code: {
      type: 'token',
      documentation: `LOINC code (http://loinc.org|8867-4 or 8867-4) or relay metric (${METRIC_SYSTEM}|heart-rate); comma for OR`,
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-code',
    },
    date: {
      type: 'date',
      documentation: 'effective time (the hub time); prefixes eq (default), ge, gt, le, lt; repeat to bound both ends (date=ge2026-01-01&date=le2026-01-31)',
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-date',
    },
  },
  sorts: ['-date', 'date'],
  async read(db: ScopedDb, id: string) {
    const key = splitObservationId(id);
    if (!key) return undefined;
    const { rows } = await db.query<ObservationRow>(`${SELECT(residentVisibleSql(db.caller, 'r'))} AND o.id = $1::uuid AND o.metric = $2`, [key.eventId, key.metric]);
    return rows[0] && toObservation(rows[0]);
  },
  async search(db: ScopedDb, request): Promise<SearchPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (value: unknown) => `$${params.push(value)}`;
    for (const value of request.params.get('patient') ?? []) {
      const residentId = parseReferenceId('patient', 'Patient', value);
      if (!isResidentId(residentId)) throw invalidParam('patient', `"${value}" is not a Patient id`);
      where.push(`o.resident_id = ${add(residentId)}::uuid`);
    }
    for (const value of request.params.get('code') ?? []) where.push(`o.metric = ANY(${add(metricsOfCode(value))}::text[])`);
    const dates = request.params.get('date');
    if (dates) {
      const range = parseDateRange('date', dates);
      if (range.from) where.push(`o.hub_time >= ${add(range.from.toISOString())}::timestamptz`);
      if (range.to) where.push(`o.hub_time < ${add(range.to.toISOString())}::timestamptz`);
    }
    const descending = request.sort !== 'date';
    if (request.cursor !== undefined) {
      const after = decodeCursor(Cursor, request.cursor);
      where.push(`(o.hub_time, o.id, o.metric) ${descending ? '<' : '>'} (${add(after.t)}::timestamptz, ${add(after.id)}::uuid, ${add(after.m)}::text)`);
    }
    const direction = descending ? 'DESC' : 'ASC';
    const sql = `${SELECT(residentVisibleSql(db.caller, 'r'))}${where.map((w) => ` AND ${w}`).join('')}
      ORDER BY o.hub_time ${direction}, o.id ${direction}, o.metric ${direction} LIMIT ${add(request.count + 1)}`;
    const { rows } = await db.query<ObservationRow>(sql, params);
    const page = rows.slice(0, request.count);
    const last = page.at(-1);
    return {
      resources: page.map(toObservation),
      ...(rows.length > request.count && last && { nextCursor: encodeCursor({ t: new Date(last.hub_time).toISOString(), id: last.id, m: last.metric }) }),
    };
  },
};
