/** SQL for ingest. Every function runs inside the caller's transaction. */
import type { Event } from '../../../protocols/event.ts';
import type { Queryable } from '../../store/database.ts';
import { hubIdentifierSystem, projectObservationsSql } from '../observations/project.ts';

/** Locks the hub row so concurrent batches of one hub (retries, replicas) apply one at a time. */
export async function lockHub(tx: Queryable, hubId: string): Promise<{ ackedSeq: number } | undefined> {
  const { rows } = await tx.query<{ acked_seq: string | number }>('SELECT acked_seq FROM hubs WHERE id = $1 FOR UPDATE', [hubId]);
  const row = rows[0];
  return row === undefined ? undefined : { ackedSeq: Number(row.acked_seq) };
}

/**
 * Inserts events, skipping any whose id or (hub_id, seq) is already stored
 * (promise 2, docs/architecture.md#promises). The batch travels as one JSON parameter: one round trip and no
 * 65535-parameter limit. The same statement projects the stored events' observations
 * (observations/project.ts). Returns the ids stored now.
 */
export async function insertEvents(tx: Queryable, hub: { orgId: string; hubId: string }, events: readonly Event[]): Promise<Set<string>> {
  const rows = events.map((e) => ({
    id: e.id,
    hub_id: e.hubId,
    seq: e.seq,
    kind: e.kind,
    hub_time: e.hubTime,
    device_time: e.deviceTime ?? null,
    device_id: e.deviceId ?? null,
    room_id: e.roomId ?? null,
    resident_id: e.residentId ?? null,
    payload: e.payload,
  }));
  const { rows: inserted } = await tx.query<{ id: string }>(
    `WITH inserted AS (
       INSERT INTO events (id, hub_id, seq, kind, hub_time, device_time, device_id, room_id, resident_id, payload)
       SELECT id, hub_id, seq, kind, hub_time, device_time, device_id, room_id, resident_id, payload
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, hub_id text, seq bigint, kind text, hub_time timestamptz,
         device_time timestamptz, device_id text, room_id text, resident_id text, payload jsonb)
       ORDER BY seq
       ON CONFLICT DO NOTHING
       RETURNING id, kind, hub_time, device_id, resident_id, payload
     ), projected AS (
       ${projectObservationsSql('inserted', { org: '$2', hub: '$3', system: '$4' })}
     )
     SELECT id FROM inserted`,
    [JSON.stringify(rows), hub.orgId, hub.hubId, hubIdentifierSystem(hub.hubId)],
  );
  return new Set(inserted.map((r) => r.id));
}

/**
 * Moves acked_seq to the end of the contiguous run that starts right after it:
 * with 1,2,4 stored the ack is 2; once 3 arrives it is 4. The scan only reads
 * seqs above the current ack (the unique (hub_id, seq) index serves it).
 *
 * `storedThrough`: a seq the caller knows every seq up to is stored (the run it
 * just inserted right after the locked ack), so the scan starts there instead of
 * probing each of those rows again (bench:drain found the scan at a quarter of a
 * batch's time). The scan still runs on from it, over events stored earlier
 * (alarms sent ahead of telemetry, docs/store-and-forward.md).
 */
export async function advanceAckedSeq(tx: Queryable, hubId: string, seenAt: Date, storedThrough = 0): Promise<number> {
  const { rows } = await tx.query<{ acked_seq: string | number }>(
    `UPDATE hubs h SET
       last_seen_at = $2,
       acked_seq = CASE
         WHEN EXISTS (SELECT 1 FROM events e WHERE e.hub_id = h.id AND e.seq = GREATEST(h.acked_seq, $3) + 1)
         THEN (SELECT min(e.seq) FROM events e
               WHERE e.hub_id = h.id AND e.seq > GREATEST(h.acked_seq, $3)
                 AND NOT EXISTS (SELECT 1 FROM events n WHERE n.hub_id = h.id AND n.seq = e.seq + 1))
         ELSE GREATEST(h.acked_seq, $3)
       END
     WHERE h.id = $1
     RETURNING acked_seq`,
    [hubId, seenAt, storedThrough],
  );
  return Number(rows[0]?.acked_seq ?? 0);
}

/**
 * Seqs of this batch already stored under a different event id. A hub that
 * restarts its seq at 1 (a reinstalled data folder) would otherwise see its new
 * events skipped as duplicates and acknowledged: lost without a word.
 */
export async function conflictingSeqs(tx: Queryable, hubId: string, events: readonly Event[]): Promise<number[]> {
  if (events.length === 0) return [];
  const { rows } = await tx.query<{ seq: string | number }>(
    `SELECT e.seq FROM events e
     JOIN jsonb_to_recordset($2::jsonb) AS x(id uuid, seq bigint) ON x.seq = e.seq
     WHERE e.hub_id = $1 AND e.id <> x.id
     ORDER BY e.seq`,
    [hubId, JSON.stringify(events.map((e) => ({ id: e.id, seq: e.seq })))],
  );
  return rows.map((r) => Number(r.seq));
}

/**
 * Of `events` (skipped by the insert), the seqs stored under the same event id: already there
 * from an earlier try, so the hub may delete them. A seq held by nobody, because the id sits at
 * another seq, is left out, and the hub sends it again.
 */
export async function alreadyStoredSeqs(tx: Queryable, hubId: string, events: readonly Event[]): Promise<number[]> {
  if (events.length === 0) return [];
  const { rows } = await tx.query<{ seq: string | number }>(
    `SELECT e.seq FROM events e
     JOIN jsonb_to_recordset($2::jsonb) AS x(id uuid, seq bigint) ON x.seq = e.seq AND x.id = e.id
     WHERE e.hub_id = $1`,
    [hubId, JSON.stringify(events.map((e) => ({ id: e.id, seq: e.seq })))],
  );
  return rows.map((r) => Number(r.seq));
}
