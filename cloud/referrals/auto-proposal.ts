/**
 * Auto-proposal from the edge (docs/referrals.md#auto-proposal): a hub alarm of NEWS2 high band or a
 * fall makes a draft referral in the ingest transaction. Never sent: a clinician chooses the hospital
 * and sends it, or discards it (cancel). One per alarm (unique key on source_alarm_id), so a
 * redelivered batch proposes nothing twice. The alarm batch's audit entry names the proposals.
 */
import { randomBytes } from 'node:crypto';
import { uuidv7 } from '../../protocols/uuidv7.ts';
import { insertReferral, insertTransition } from '../resources/referrals/repo.ts';
import { HUB_IDENTIFIER_PREFIX } from '../resources/residents/repo.ts';
import type { Queryable } from '../store/database.ts';
import type { ReferralPriority } from './states.ts';

export interface RaisedAlarm {
  alarmId: string;
  type: string;
  reason: string;
  /** The hub's resident id (events' residentId), when the alarm names one. */
  hubResidentId: string | null;
  deviceId: string | null;
  raisedAt: string;
}

/** Which alarms propose a referral, and how urgent the proposal is. */
export function proposalFor(type: string): { priority: ReferralPriority; service: string } | undefined {
  if (type === 'fall') return { priority: 'urgent', service: 'emergency-assessment' };
  if (type === 'news2-high') return { priority: 'asap', service: 'acute-medicine' };
  return undefined;
}

/** The relay's resident behind a hub's alarm: its identifier on that hub, else the device's binding. */
async function residentOf(tx: Queryable, orgId: string, hubId: string, a: RaisedAlarm): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT coalesce(
       (SELECT resident_id::text FROM resident_identifiers WHERE org_id = $1 AND system = $2 AND value = $3),
       (SELECT resident_id::text FROM devices WHERE org_id = $1 AND hub_id = $4 AND id = $5)) AS id`,
    [orgId, `${HUB_IDENTIFIER_PREFIX}${hubId}`, a.hubResidentId, hubId, a.deviceId],
  );
  return rows[0]?.id ?? undefined;
}

/** Answers the ids of the drafts made (none for an alarm already proposed or without a known resident). */
export async function proposeReferrals(tx: Queryable, orgId: string, hubId: string, alarms: readonly RaisedAlarm[]): Promise<string[]> {
  const made: string[] = [];
  for (const a of alarms) {
    const proposal = proposalFor(a.type);
    if (proposal === undefined) continue;
    const residentId = await residentOf(tx, orgId, hubId, a);
    if (residentId === undefined) continue;
    const at = new Date(a.raisedAt);
    const id = uuidv7(Date.now(), randomBytes(10));
    const inserted = await insertReferral(
      tx,
      { id, direction: 'referral', homeOrgId: orgId, hospitalOrgId: null, residentId, basedOn: null, ...proposal, reason: `Proposed from hub alarm ${a.type}: ${a.reason}`, dischargeNotes: null, followUpPlan: null, proposedBy: 'hub-alarm', sourceAlarmId: a.alarmId, createdBy: `hub:${hubId}` },
      at,
    );
    if (!inserted) continue;
    await insertTransition(tx, id, null, 'draft', `hub:${hubId}`, orgId, null, at);
    made.push(id);
  }
  return made;
}
