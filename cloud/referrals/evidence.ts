/**
 * The evidence a referral carries when it is sent (docs/referrals.md#evidence): a snapshot, not
 * references, so the hospital keeps what the home sent after the referral (and its access) closes,
 * and the record does not change under the clinician who read it. Bounded so one referral cannot
 * carry an unbounded backlog.
 */
import type { Queryable } from '../store/database.ts';

const VITALS_HOURS = 24;
const ALARM_DAYS = 7;
const MAX_VITALS = 2_000;
const MAX_ALARMS = 200;

export interface Evidence {
  takenAt: string;
  vitals: Array<{ metric: string; value: number | null; valueCode: string | null; unit: string | null; at: string }>;
  news2: Array<{ band: string; reason: string; at: string }>;
  alarms: Array<{ type: string; priority: string; state: string; reason: string; at: string }>;
}

/** Alarms name the resident by the hub's id; the relay links it through resident_identifiers. */
const RESIDENT_ALARMS = `FROM alarms a WHERE a.org_id = $1 AND a.raised_at > $3::timestamptz - make_interval(days => ${ALARM_DAYS})
  AND (a.resident_id = $2::text OR a.resident_id IN (SELECT i.value FROM resident_identifiers i WHERE i.resident_id = $2::uuid AND i.system = 'urn:carehub:hub:' || a.hub_id))`;

export async function takeEvidence(q: Queryable, homeOrgId: string, residentId: string, at: Date): Promise<Evidence> {
  const now = at.toISOString();
  const vitals = await q.query<{ metric: string; value: number | null; value_code: string | null; unit: string | null; hub_time: Date }>(
    `SELECT metric, value, value_code, unit, hub_time FROM observations WHERE org_id = $1 AND resident_id = $2::uuid
       AND hub_time > $3::timestamptz - make_interval(hours => ${VITALS_HOURS}) AND hub_time <= $3::timestamptz ORDER BY hub_time DESC LIMIT ${MAX_VITALS}`,
    [homeOrgId, residentId, now],
  );
  const alarms = await q.query<{ type: string; priority: string; state: string; reason: string; raised_at: Date }>(
    `SELECT a.type, a.priority, a.state, a.reason, a.raised_at ${RESIDENT_ALARMS} ORDER BY a.raised_at DESC LIMIT ${MAX_ALARMS}`,
    [homeOrgId, residentId, now],
  );
  const alarmItems = alarms.rows.map((a) => ({ type: a.type, priority: a.priority, state: a.state, reason: a.reason, at: new Date(a.raised_at).toISOString() }));
  return {
    takenAt: now,
    vitals: vitals.rows.map((v) => ({ metric: v.metric, value: v.value, valueCode: v.value_code, unit: v.unit, at: new Date(v.hub_time).toISOString() })),
    // The hub raises NEWS2 bands as alarms of type news2-<band> (docs/rules.md#news2).
    news2: alarmItems.filter((a) => a.type.startsWith('news2-')).map((a) => ({ band: a.type.slice('news2-'.length), reason: a.reason, at: a.at })),
    alarms: alarmItems.filter((a) => !a.type.startsWith('news2-')),
  };
}
