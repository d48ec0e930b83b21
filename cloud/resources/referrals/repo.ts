/** SQL for referrals (docs/referrals.md); every statement names the caller's organisation (`$org`). */
import type { ScopedDb } from '../../tenancy/context.ts';
import type { Queryable } from '../../store/database.ts';
import type { ReferralDirection, ReferralPriority, ReferralState } from '../../referrals/states.ts';
import type { Referral } from './schema.ts';

/** The sender always sees a referral; the receiver once it is sent (a draft is the sender's own). Alias `r`; the FHIR facade uses it too. */
export const VISIBLE = `((r.direction = 'referral' AND (r.home_org_id = $org OR (r.hospital_org_id = $org AND r.state <> 'draft')))
  OR (r.direction = 'back-referral' AND (r.hospital_org_id = $org OR (r.home_org_id = $org AND r.state <> 'draft'))))`;

interface ReferralRow {
  id: string;
  direction: ReferralDirection;
  home_org_id: string;
  hospital_org_id: string | null;
  resident_id: string;
  based_on_id: string | null;
  state: ReferralState;
  priority: ReferralPriority;
  reason: string;
  service: string;
  discharge_notes: string | null;
  follow_up_plan: string | null;
  proposed_by: 'person' | 'hub-alarm';
  source_alarm_id: string | null;
  evidence: unknown;
  appointment_at: Date | null;
  created_by: string;
  created_at: Date;
  requested_at: Date | null;
  updated_at: Date;
  version: number;
}

interface TransitionRow {
  from_state: ReferralState | null;
  to_state: ReferralState;
  actor_key: string;
  actor_org: string;
  note: string | null;
  at: Date;
}

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

export function toReferral(r: ReferralRow, transitions: TransitionRow[]): Referral {
  return {
    id: r.id,
    direction: r.direction,
    homeOrgId: r.home_org_id,
    hospitalOrgId: r.hospital_org_id,
    residentId: r.resident_id,
    basedOn: r.based_on_id,
    state: r.state,
    priority: r.priority,
    reason: r.reason,
    service: r.service,
    dischargeNotes: r.discharge_notes,
    followUpPlan: r.follow_up_plan,
    proposedBy: r.proposed_by,
    sourceAlarmId: r.source_alarm_id,
    evidence: r.evidence ?? null,
    appointmentAt: iso(r.appointment_at),
    createdBy: r.created_by,
    createdAt: iso(r.created_at)!,
    requestedAt: iso(r.requested_at),
    updatedAt: iso(r.updated_at)!,
    version: r.version,
    transitions: transitions.map((t) => ({ from: t.from_state, to: t.to_state, by: t.actor_key, byOrgId: t.actor_org, note: t.note, at: iso(t.at)! })),
  };
}

export interface NewReferral {
  id: string;
  direction: ReferralDirection;
  homeOrgId: string;
  hospitalOrgId: string | null;
  residentId: string;
  basedOn: string | null;
  priority: ReferralPriority;
  reason: string;
  service: string;
  dischargeNotes: string | null;
  followUpPlan: string | null;
  proposedBy: 'person' | 'hub-alarm';
  sourceAlarmId: string | null;
  createdBy: string;
}

/** Inserts as a draft; answers false when a proposal for the same alarm exists already. */
export async function insertReferral(q: Queryable, n: NewReferral, at: Date): Promise<boolean> {
  const { rows } = await q.query(
    `INSERT INTO referrals (id, direction, home_org_id, hospital_org_id, resident_id, based_on_id, state, priority, reason, service,
       discharge_notes, follow_up_plan, proposed_by, source_alarm_id, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
     ON CONFLICT (source_alarm_id) WHERE source_alarm_id IS NOT NULL DO NOTHING RETURNING id`,
    [n.id, n.direction, n.homeOrgId, n.hospitalOrgId, n.residentId, n.basedOn, n.priority, n.reason, n.service, n.dischargeNotes, n.followUpPlan, n.proposedBy, n.sourceAlarmId, n.createdBy, at.toISOString()],
  );
  return rows.length === 1;
}

export async function insertTransition(q: Queryable, id: string, from: ReferralState | null, to: ReferralState, actorKey: string, actorOrg: string, note: string | null, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO referral_transitions (referral_id, seq, from_state, to_state, actor_key, actor_org, note, at)
     SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM referral_transitions WHERE referral_id = $1`,
    [id, from, to, actorKey, actorOrg, note, at.toISOString()],
  );
}

export async function findReferral(s: ScopedDb, id: string, forUpdate = false): Promise<Referral | undefined> {
  const { rows } = await s.query<ReferralRow>(`SELECT r.* FROM referrals r WHERE r.id = $1 AND ${VISIBLE}${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  if (rows[0] === undefined) return undefined;
  const t = await s.raw.query<TransitionRow>('SELECT from_state, to_state, actor_key, actor_org, note, at FROM referral_transitions WHERE referral_id = $1 ORDER BY seq', [id]);
  return toReferral(rows[0], t.rows);
}

/** Newest first (UUIDv7 ids: creation order), keyset by id. */
export async function listReferrals(s: ScopedDb, state: ReferralState | undefined, before: string | undefined, limit: number): Promise<Referral[]> {
  const { rows } = await s.query<ReferralRow>(
    `SELECT r.* FROM referrals r WHERE ${VISIBLE} AND ($1::text IS NULL OR r.state = $1) AND ($2::uuid IS NULL OR r.id < $2::uuid) ORDER BY r.id DESC LIMIT $3`,
    [state ?? null, before ?? null, limit],
  );
  return rows.map((r) => toReferral(r, []));
}

export async function updateState(q: Queryable, id: string, to: ReferralState, hospitalOrgId: string | null, appointmentAt: string | undefined, evidence: unknown, at: Date): Promise<void> {
  await q.query(
    `UPDATE referrals SET state = $2, hospital_org_id = coalesce($6, hospital_org_id), appointment_at = coalesce($3::timestamptz, appointment_at),
       evidence = coalesce($4::jsonb, evidence), requested_at = CASE WHEN $2 = 'requested' THEN $5::timestamptz ELSE requested_at END,
       updated_at = $5, version = version + 1 WHERE id = $1`,
    [id, to, appointmentAt ?? null, evidence === undefined ? null : JSON.stringify(evidence), at.toISOString(), hospitalOrgId],
  );
}

/** The tenancy hook's row (docs/access.md): the referral's id, open while the referral is. */
export async function openAccess(q: Queryable, id: string, residentId: string, homeOrgId: string, hospitalOrgId: string, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO referral_access (id, resident_id, owner_org_id, to_org_id, opened_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET closed_at = NULL`,
    [id, residentId, homeOrgId, hospitalOrgId, at.toISOString()],
  );
}

export async function closeAccess(q: Queryable, id: string, at: Date): Promise<void> {
  await q.query('UPDATE referral_access SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL', [id, at.toISOString()]);
}
