/**
 * SQL for the alarm projection and its reads. Tenancy lives here, once: every
 * read takes the caller's orgId (docs/architecture.md#conventions; promise 5, docs/architecture.md#promises).
 */
import type { Actor, AlarmPriority, AlarmState } from '../../../protocols/event.ts';
import type { Queryable } from '../../store/database.ts';
import type { AlarmItem, AlarmQuery } from './schema.ts';

export interface NewAlarm {
  id: string;
  key: string;
  type: string;
  priority: AlarmPriority;
  roomId: string | null;
  deviceId: string | null;
  residentId: string | null;
  reason: string;
  raisedAt: string;
}

export interface Transition {
  eventId: string;
  alarmId: string;
  seq: number;
  state: AlarmState;
  at: string;
  by: Actor;
}

/** An alarm id already owned (by any hub) is left alone: a hub cannot overwrite another's alarm. */
export async function insertAlarms(tx: Queryable, orgId: string, hubId: string, alarms: NewAlarm[]): Promise<void> {
  if (alarms.length === 0) return;
  await tx.query(
    `INSERT INTO alarms (id, org_id, hub_id, key, type, priority, state, room_id, device_id, resident_id, reason, raised_at, updated_at)
     SELECT id, $1, $2, key, type, priority, 'active', room_id, device_id, resident_id, reason, raised_at, raised_at
     FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, key text, type text, priority text, room_id text,
       device_id text, resident_id text, reason text, raised_at timestamptz)
     ON CONFLICT (id) DO NOTHING`,
    [
      orgId,
      hubId,
      JSON.stringify(
        alarms.map((a) => ({
          id: a.id,
          key: a.key,
          type: a.type,
          priority: a.priority,
          room_id: a.roomId,
          device_id: a.deviceId,
          resident_id: a.residentId,
          reason: a.reason,
          raised_at: a.raisedAt,
        })),
      ),
    ],
  );
}

export async function insertTransitions(tx: Queryable, hubId: string, transitions: Transition[]): Promise<void> {
  if (transitions.length === 0) return;
  await tx.query(
    `INSERT INTO alarm_transitions (event_id, alarm_id, hub_id, seq, state, at, by)
     SELECT event_id, alarm_id, $1, seq, state, at, by
     FROM jsonb_to_recordset($2::jsonb) AS x(event_id uuid, alarm_id uuid, seq bigint, state text, at timestamptz, by jsonb)
     ON CONFLICT (event_id) DO NOTHING`,
    [
      hubId,
      JSON.stringify(
        transitions.map((t) => ({ event_id: t.eventId, alarm_id: t.alarmId, seq: t.seq, state: t.state, at: t.at, by: t.by })),
      ),
    ],
  );
}

/**
 * Recomputes state and timestamps from the transitions, latest hub seq wins,
 * so the row is right whatever order batches arrive in. Only the owning hub's
 * transitions count.
 */
export async function recomputeAlarms(tx: Queryable, alarmIds: string[]): Promise<void> {
  if (alarmIds.length === 0) return;
  await tx.query(
    `UPDATE alarms a SET
       state = t.state,
       acknowledged_at = t.ack,
       resolved_at = t.res,
       updated_at = greatest(a.raised_at, t.upd)
     FROM (
       SELECT alarm_id, hub_id,
              (array_agg(state ORDER BY seq DESC))[1] AS state,
              max(at) FILTER (WHERE state = 'acknowledged') AS ack,
              max(at) FILTER (WHERE state = 'resolved') AS res,
              max(at) AS upd
       FROM alarm_transitions
       WHERE alarm_id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)
       GROUP BY alarm_id, hub_id
     ) t
     WHERE a.id = t.alarm_id AND a.hub_id = t.hub_id`,
    [JSON.stringify(alarmIds)],
  );
}

interface AlarmRow {
  id: string;
  hub_id: string;
  room_id: string | null;
  device_id: string | null;
  resident_id: string | null;
  key: string;
  type: string;
  priority: AlarmPriority;
  state: AlarmState;
  reason: string;
  raised_at: Date | string;
  acknowledged_at: Date | string | null;
  resolved_at: Date | string | null;
  lifecycle: Array<{ state: AlarmState; at: string; by: Actor; eventId: string; seq: number | string }> | string;
}

/** pg and PGlite both parse timestamptz to Date, but json_build_object leaves text: normalise to ISO Z. */
function iso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

export async function listAlarms(q: Queryable, orgId: string, filter: AlarmQuery): Promise<AlarmItem[]> {
  const { rows } = await q.query<AlarmRow>(
    `SELECT a.id, a.hub_id, a.room_id, a.device_id, a.resident_id, a.key, a.type, a.priority, a.state, a.reason,
            a.raised_at, a.acknowledged_at, a.resolved_at,
            coalesce((SELECT json_agg(json_build_object('state', t.state, 'at', t.at, 'by', t.by,
                                                        'eventId', t.event_id, 'seq', t.seq) ORDER BY t.seq)
                      FROM alarm_transitions t WHERE t.alarm_id = a.id AND t.hub_id = a.hub_id), '[]'::json) AS lifecycle
     FROM alarms a
     WHERE a.org_id = $1
       AND ($2::text IS NULL OR a.state = $2)
       AND ($3::text IS NULL OR a.hub_id = $3)
     ORDER BY a.raised_at DESC, a.id DESC
     LIMIT $4`,
    [orgId, filter.state ?? null, filter.hubId ?? null, filter.limit],
  );
  return rows.map((r) => {
    const lifecycle = typeof r.lifecycle === 'string' ? (JSON.parse(r.lifecycle) as Exclude<AlarmRow['lifecycle'], string>) : r.lifecycle;
    return {
      id: r.id,
      hubId: r.hub_id,
      roomId: r.room_id,
      deviceId: r.device_id,
      residentId: r.resident_id,
      key: r.key,
      type: r.type,
      priority: r.priority,
      state: r.state,
      reason: r.reason,
      raisedAt: iso(r.raised_at),
      acknowledgedAt: r.acknowledged_at === null ? null : iso(r.acknowledged_at),
      resolvedAt: r.resolved_at === null ? null : iso(r.resolved_at),
      lifecycle: lifecycle.map((t) => ({ state: t.state, at: iso(t.at), by: t.by, eventId: t.eventId, seq: Number(t.seq) })),
    };
  });
}
