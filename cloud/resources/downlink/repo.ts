/**
 * SQL for hub downlinks. Tenancy lives here, once: an operator's read or write names the caller's
 * organisation and touches only its hubs; a hub's read and report name only the hub its token is
 * for (promise 5, docs/architecture.md#promises).
 */
import type { DownlinkContent, DownlinkIssue } from '../../../protocols/downlink.ts';
import type { Queryable } from '../../store/database.ts';

export interface DownlinkRow {
  hubId: string;
  version: number;
  body: DownlinkContent;
  etag: string;
  updatedAt: Date;
  updatedBy: string;
  appliedVersion: number | null;
  appliedAt: Date | null;
  refusedVersion: number | null;
  refusedErrors: DownlinkIssue[] | null;
  refusedAt: Date | null;
}

const COLUMNS = `d.hub_id AS "hubId", d.version, d.body, d.etag, d.updated_at AS "updatedAt", d.updated_by AS "updatedBy",
  d.applied_version AS "appliedVersion", d.applied_at AS "appliedAt", d.refused_version AS "refusedVersion",
  d.refused_errors AS "refusedErrors", d.refused_at AS "refusedAt"`;

/** pg parses jsonb and timestamptz; keep both drivers' rows the same shape. */
function normalise(row: DownlinkRow): DownlinkRow {
  const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
  const time = (v: Date | string | null) => (v === null ? null : v instanceof Date ? v : new Date(v));
  return {
    ...row,
    version: Number(row.version),
    body: json(row.body),
    refusedErrors: row.refusedErrors === null ? null : json(row.refusedErrors),
    updatedAt: time(row.updatedAt)!,
    appliedAt: time(row.appliedAt),
    refusedAt: time(row.refusedAt),
  };
}

/**
 * Writes a new version for a hub of `orgId`: version 1, or one more than the current one (the row
 * lock of ON CONFLICT orders concurrent writers). Undefined when the org has no such hub.
 */
export async function putDownlink(
  q: Queryable,
  input: { orgId: string; hubId: string; body: DownlinkContent; bodyDigest: string; keyId: string; at: Date },
): Promise<DownlinkRow | undefined> {
  const { rows } = await q.query<DownlinkRow>(
    `INSERT INTO hub_downlinks AS d (hub_id, version, body, etag, updated_at, updated_by)
     SELECT h.id, 1, $3::jsonb, '"1-' || $4 || '"', $5, $6 FROM hubs h WHERE h.id = $1 AND h.org_id = $2
     ON CONFLICT (hub_id) DO UPDATE SET
       version = d.version + 1,
       body = EXCLUDED.body,
       etag = '"' || (d.version + 1) || '-' || $4 || '"',
       updated_at = EXCLUDED.updated_at,
       updated_by = EXCLUDED.updated_by
     RETURNING ${COLUMNS}`,
    [input.hubId, input.orgId, JSON.stringify(input.body), input.bodyDigest, input.at, input.keyId],
  );
  return rows[0] && normalise(rows[0]);
}

/** The downlink of a hub of `orgId`; undefined when the org has no such hub or it has no downlink yet. */
export async function findDownlinkForOrg(q: Queryable, orgId: string, hubId: string): Promise<DownlinkRow | undefined> {
  const { rows } = await q.query<DownlinkRow>(
    `SELECT ${COLUMNS} FROM hub_downlinks d JOIN hubs h ON h.id = d.hub_id WHERE d.hub_id = $1 AND h.org_id = $2`,
    [hubId, orgId],
  );
  return rows[0] && normalise(rows[0]);
}

/** Whether `orgId` has a hub `hubId` (a 404 must not tell another org's hub from a missing one). */
export async function orgHasHub(q: Queryable, orgId: string, hubId: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM hubs WHERE id = $1 AND org_id = $2', [hubId, orgId]);
  return rows.length > 0;
}

/** The authenticated hub's own downlink: only its id is ever passed here. */
export async function findOwnDownlink(q: Queryable, hubId: string): Promise<DownlinkRow | undefined> {
  const { rows } = await q.query<DownlinkRow>(`SELECT ${COLUMNS} FROM hub_downlinks d WHERE d.hub_id = $1`, [hubId]);
  return rows[0] && normalise(rows[0]);
}

/** Just the current etag, for the long-poll's re-checks. */
export async function findOwnEtag(q: Queryable, hubId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ etag: string }>('SELECT etag FROM hub_downlinks WHERE hub_id = $1', [hubId]);
  return rows[0]?.etag;
}

/**
 * Records the hub's report on one of its versions. A version beyond the current one was never
 * sent: nothing is recorded (false).
 */
export async function recordReport(
  q: Queryable,
  hubId: string,
  report: { version: number; outcome: 'applied' | 'refused'; errors: DownlinkIssue[] },
  at: Date,
): Promise<boolean> {
  const sql =
    report.outcome === 'applied'
      ? `UPDATE hub_downlinks SET applied_version = $2, applied_at = $3 WHERE hub_id = $1 AND version >= $2`
      : `UPDATE hub_downlinks SET refused_version = $2, refused_at = $3, refused_errors = $4::jsonb WHERE hub_id = $1 AND version >= $2`;
  const params = report.outcome === 'applied' ? [hubId, report.version, at] : [hubId, report.version, at, JSON.stringify(report.errors)];
  const { rows } = await q.query(`${sql} RETURNING hub_id`, params);
  return rows.length > 0;
}
