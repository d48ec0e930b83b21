/**
 * Observations projected from ingested events, inside the ingest transaction (docs/records.md#observations):
 * `reading` events (devices and staff's manual vitals) and staff `observation` events (consciousness,
 * oxygen). The projection is a data-modifying CTE that ingest's events INSERT runs in the same statement,
 * reading the rows that INSERT just returned: the batch crosses the wire once and costs no extra round
 * trip, and an event skipped as a duplicate projects nothing (docs/benchmarks.md, bench:relay).
 * The resident is the one whose identifier 'urn:carehub:hub:<hubId>' equals the event's residentId,
 * else the one the device is bound to; neither: left null and linked when the identifier is added.
 */
import { HUB_IDENTIFIER_PREFIX } from '../residents/repo.ts';

/** The identifier system a hub's residentId is looked up under. */
export function hubIdentifierSystem(hubId: string): string {
  return `${HUB_IDENTIFIER_PREFIX}${hubId}`;
}

/**
 * SQL for one CTE member that inserts the observations of the events in `inserted` (a CTE returning
 * id, kind, hub_time, device_id, resident_id, payload). `org`, `hub` and `system` name the statement's
 * parameters ($n) holding the organisation, the hub and hubIdentifierSystem(hub).
 */
export function projectObservationsSql(inserted: string, p: { org: string; hub: string; system: string }): string {
  // No LOINC code for consciousness / on-oxygen: NEWS2's ACVPU and "on oxygen" have none we could confirm; the metric names them.
  return `INSERT INTO observations (id, org_id, hub_id, metric, loinc, unit, value, value_code, device_id, resident_id, hub_resident_id, entered_by, hub_time, relay_time)
     SELECT x.id, ${p.org}, ${p.hub}, x.metric, x.loinc, x.unit, x.value, x.value_code, x.device_id,
            coalesce(ri.resident_id, d.resident_id), x.resident_id, nullif(x.entered_by, 'null'::jsonb), x.hub_time, now()
     FROM (
       SELECT id, payload->>'metric' AS metric, payload->>'loinc' AS loinc, payload->>'unit' AS unit, (payload->>'value')::double precision AS value,
              NULL::text AS value_code, device_id, resident_id, payload->'enteredBy' AS entered_by, hub_time
       FROM ${inserted} WHERE kind = 'reading'
       UNION ALL
       SELECT id, 'consciousness', NULL, NULL, NULL, payload->>'acvpu', device_id, resident_id, payload->'by', hub_time
       FROM ${inserted} WHERE kind = 'observation' AND payload ? 'acvpu'
       UNION ALL
       SELECT id, 'on-oxygen', NULL, NULL, CASE WHEN (payload->>'o2')::boolean THEN 1 ELSE 0 END,
              CASE WHEN (payload->>'o2')::boolean THEN 'oxygen' ELSE 'air' END, device_id, resident_id, payload->'by', hub_time
       FROM ${inserted} WHERE kind = 'observation' AND payload ? 'o2'
     ) x
     LEFT JOIN resident_identifiers ri ON ri.org_id = ${p.org} AND ri.system = ${p.system} AND ri.value = x.resident_id
     LEFT JOIN devices d ON d.hub_id = ${p.hub} AND d.org_id = ${p.org} AND d.id = x.device_id
     ON CONFLICT DO NOTHING`;
}
