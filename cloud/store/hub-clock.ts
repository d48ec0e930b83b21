/**
 * The latest clock skew measured per hub (docs/relay-pressure.md#clock-skew): written by the
 * ingest path (cloud/http/hub-clock.ts), read for the hub's API record.
 */
import type { Queryable } from './database.ts';

export interface HubClock {
  /** Relay receive time minus the hub's clock, ms; positive: the hub is behind. null until a batch carried X-Hub-Time. */
  skewMs: number | null;
  /** When the relay measured it; null until then. */
  checkedAt: Date | null;
  /** |skewMs| was beyond the relay's clockSkewBoundMs when measured. */
  skewed: boolean;
}

/**
 * Stores a measurement unless a later one is already there (replicas may write out of order).
 * Returns false when the hub does not exist.
 */
export async function recordHubClock(q: Queryable, hubId: string, skewMs: number, checkedAt: Date, skewed: boolean): Promise<boolean> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE hubs SET clock_skew_ms = $2, clock_checked_at = $3, clock_skewed = $4
      WHERE id = $1 AND (clock_checked_at IS NULL OR clock_checked_at <= $3)
      RETURNING id`,
    [hubId, Math.round(skewMs), checkedAt, skewed],
  );
  return rows.length > 0;
}

/** The hub's clock record, read within its organisation (tenancy in the store); undefined when no such hub there. */
export async function hubClock(q: Queryable, orgId: string, hubId: string): Promise<HubClock | undefined> {
  const { rows } = await q.query<{ clock_skew_ms: string | number | null; clock_checked_at: Date | string | null; clock_skewed: boolean }>(
    'SELECT clock_skew_ms, clock_checked_at, clock_skewed FROM hubs WHERE id = $1 AND org_id = $2',
    [hubId, orgId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    // bigint arrives as a string from pg, as a number from PGlite
    skewMs: row.clock_skew_ms === null ? null : Number(row.clock_skew_ms),
    checkedAt: row.clock_checked_at === null ? null : new Date(row.clock_checked_at),
    skewed: row.clock_skewed,
  };
}
