/**
 * Observations projected from ingested events, inside the ingest transaction (docs/records.md#observations):
 * `reading` events (devices and staff's manual vitals) and staff `observation` events (consciousness,
 * oxygen). One multi-row INSERT per batch, no round trip per event, so ingest stays fast.
 * The resident is the one whose identifier 'urn:carehub:hub:<hubId>' equals the event's residentId,
 * else the one the device is bound to; neither: left null and linked when the identifier is added.
 */
import type { Event } from '../../../protocols/event.ts';
import type { AuthenticatedHub } from '../../http/env.ts';
import type { Queryable } from '../../store/database.ts';
import { HUB_IDENTIFIER_PREFIX } from '../residents/repo.ts';

interface ObservationRow {
  id: string;
  metric: string;
  loinc: string | null;
  unit: string | null;
  value: number | null;
  value_code: string | null;
  device_id: string | null;
  hub_resident_id: string | null;
  entered_by: unknown;
  hub_time: string;
}

/** Pure: the observation rows an event yields (none for other kinds). */
export function observationRows(e: Event): ObservationRow[] {
  const base = { id: e.id, device_id: e.deviceId ?? null, hub_resident_id: e.residentId ?? null, hub_time: e.hubTime };
  if (e.kind === 'reading') {
    const p = e.payload;
    return [{ ...base, metric: p.metric, loinc: p.loinc, unit: p.unit, value: p.value, value_code: null, entered_by: p.enteredBy ?? null }];
  }
  if (e.kind === 'observation') {
    const p = e.payload;
    const rows: ObservationRow[] = [];
    // No LOINC code: NEWS2's ACVPU and "on oxygen" have none we could confirm; the metric names them.
    if (p.acvpu !== undefined) rows.push({ ...base, metric: 'consciousness', loinc: null, unit: null, value: null, value_code: p.acvpu, entered_by: p.by });
    if (p.o2 !== undefined) rows.push({ ...base, metric: 'on-oxygen', loinc: null, unit: null, value: p.o2 ? 1 : 0, value_code: p.o2 ? 'oxygen' : 'air', entered_by: p.by });
    return rows;
  }
  return [];
}

export async function projectObservations(tx: Queryable, hub: AuthenticatedHub, events: readonly Event[]): Promise<void> {
  const rows = events.flatMap(observationRows);
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO observations (id, org_id, hub_id, metric, loinc, unit, value, value_code, device_id, resident_id, hub_resident_id, entered_by, hub_time, relay_time)
     SELECT x.id, $1, $2, x.metric, x.loinc, x.unit, x.value, x.value_code, x.device_id,
            coalesce(ri.resident_id, d.resident_id), x.hub_resident_id, x.entered_by, x.hub_time, now()
     FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, metric text, loinc text, unit text, value double precision, value_code text,
          device_id text, hub_resident_id text, entered_by jsonb, hub_time timestamptz)
     LEFT JOIN resident_identifiers ri ON ri.org_id = $1 AND ri.system = $4 AND ri.value = x.hub_resident_id
     LEFT JOIN devices d ON d.hub_id = $2 AND d.org_id = $1 AND d.id = x.device_id
     ON CONFLICT DO NOTHING`,
    [hub.orgId, hub.hubId, JSON.stringify(rows), `${HUB_IDENTIFIER_PREFIX}${hub.hubId}`],
  );
}
