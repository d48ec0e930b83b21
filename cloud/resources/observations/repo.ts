/**
 * Reads of observations for one resident. Visibility is checked against the resident row with the
 * tenancy hook (own organisation, or a hospital with an open referral); observations are then read
 * by resident id, which the (resident_id, metric, hub_time) index and the monthly partitions serve.
 */
import { residentVisibleSql, type ScopedDb } from '../../tenancy/context.ts';

export async function residentVisible(s: ScopedDb, residentId: string): Promise<boolean> {
  const { rows } = await s.query(`SELECT 1 FROM residents r WHERE r.id = $1 AND ${residentVisibleSql('r')}`, [residentId]);
  return rows.length === 1;
}

/** One raw value as the REST API shows it (schema.ts RawVital); PostgreSQL builds it. */
export interface RawItem {
  id: string;
  metric: string;
  at: string;
  value: number | null;
  code: string | null;
  unit: string | null;
  loinc: string | null;
  deviceId: string | null;
  enteredBy: unknown;
}

export interface RangeFilter {
  residentId: string;
  metric: string | null;
  from: string;
  to: string;
  limit: number;
}

/**
 * Keyset page in (hub_time, id) order after `after`. The visibility check is repeated in SQL: `$org` keeps it scoped.
 * PostgreSQL builds the page as one JSON text value: the driver then parses one column, not thousands of
 * rows and dates (a day of one-a-minute values spent most of its time there, docs/benchmarks.md).
 */
export async function rawObservations(s: ScopedDb, f: RangeFilter, after: { at: string; id: string } | undefined): Promise<RawItem[]> {
  const { rows } = await s.query<{ items: string }>(
    `SELECT coalesce(json_agg(json_build_object(
              'id', p.id, 'metric', p.metric,
              'at', to_char(p.hub_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              'value', p.value, 'code', p.value_code, 'unit', p.unit, 'loinc', p.loinc,
              'deviceId', p.device_id, 'enteredBy', p.entered_by) ORDER BY p.hub_time, p.id), '[]')::text AS items
     FROM (SELECT o.id, o.metric, o.hub_time, o.value, o.value_code, o.unit, o.loinc, o.device_id, o.entered_by
           FROM observations o
           WHERE o.resident_id = $1 AND ($2::text IS NULL OR o.metric = $2) AND o.hub_time >= $3 AND o.hub_time < $4
             AND ($5::timestamptz IS NULL OR (o.hub_time, o.id) > ($5::timestamptz, $6::uuid))
             AND EXISTS (SELECT 1 FROM residents r WHERE r.id = $1 AND ${residentVisibleSql('r')})
           ORDER BY o.hub_time, o.id
           LIMIT $7) p`,
    [f.residentId, f.metric, f.from, f.to, after?.at ?? null, after?.id ?? null, f.limit],
  );
  return JSON.parse(rows[0]?.items ?? '[]') as RawItem[];
}

export interface BucketRow {
  start: Date;
  min: number | null;
  max: number | null;
  mean: number | null;
  count: number;
}

export async function bucketedObservations(s: ScopedDb, f: RangeFilter, bucket: 'minute' | 'hour' | 'day', after: string | undefined): Promise<BucketRow[]> {
  const { rows } = await s.query<BucketRow>(
    `SELECT date_trunc($5, o.hub_time, 'UTC') AS start, min(o.value) AS min, max(o.value) AS max, avg(o.value) AS mean, count(*)::int AS count
     FROM observations o
     WHERE o.resident_id = $1 AND o.metric = $2 AND o.hub_time >= greatest($3::timestamptz, coalesce($6::timestamptz, $3::timestamptz)) AND o.hub_time < $4
       AND EXISTS (SELECT 1 FROM residents r WHERE r.id = $1 AND ${residentVisibleSql('r')})
     GROUP BY 1
     ORDER BY 1
     LIMIT $7`,
    [f.residentId, f.metric, f.from, f.to, bucket, after ?? null, f.limit],
  );
  return rows;
}
