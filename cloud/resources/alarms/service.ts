/** Alarms: the projection maintained from ingested events, and tenant-scoped reads. No Hono here. */
import type { Event, EventOf } from '../../../protocols/event.ts';
import type { AuthenticatedHub, Principal } from '../../http/env.ts';
import type { AuditEntryInput } from '../../audit/append.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { proposeReferrals } from '../../referrals/auto-proposal.ts';
import { insertAlarms, insertTransitions, listAlarms, recomputeAlarms, type Transition } from './repo.ts';
import type { AlarmItem, AlarmQuery } from './schema.ts';

/**
 * Applies newly stored `alarm` and `alarm-update` events (in seq order) inside
 * the ingest transaction, so the projection never disagrees with the events.
 * Called by the ingest service; alarms belong to the org of the hub that sent them. Answers the
 * batch's audit entry (undefined when no alarm changed), for the caller to append last.
 */
export async function projectAlarmEvents(tx: Queryable, hub: AuthenticatedHub, events: readonly Event[]): Promise<AuditEntryInput | undefined> {
  const raised = events.filter((e): e is EventOf<'alarm'> => e.kind === 'alarm');
  const updates = events.filter((e): e is EventOf<'alarm-update'> => e.kind === 'alarm-update');
  if (raised.length === 0 && updates.length === 0) return undefined;

  await insertAlarms(
    tx,
    hub.orgId,
    hub.hubId,
    raised.map((e) => ({
      id: e.payload.alarmId,
      key: e.payload.key,
      type: e.payload.type,
      priority: e.payload.priority,
      roomId: e.roomId ?? null,
      deviceId: e.deviceId ?? null,
      residentId: e.residentId ?? null,
      reason: e.payload.reason,
      raisedAt: e.hubTime,
    })),
  );
  const transitions: Transition[] = [
    ...raised.map((e) => ({
      eventId: e.id,
      alarmId: e.payload.alarmId,
      seq: e.seq,
      state: 'active' as const,
      at: e.hubTime,
      by: { kind: 'rule' as const, id: e.payload.ruleId },
    })),
    ...updates.map((e) => ({ eventId: e.id, alarmId: e.payload.alarmId, seq: e.seq, state: e.payload.state, at: e.hubTime, by: e.payload.by })),
  ];
  await insertTransitions(tx, hub.hubId, transitions);
  await recomputeAlarms(tx, [...new Set(transitions.map((t) => t.alarmId))]);
  // A fall or NEWS2 high band proposes a draft referral (docs/referrals.md#auto-proposal).
  const proposed = await proposeReferrals(
    tx,
    hub.orgId,
    hub.hubId,
    raised.map((e) => ({ alarmId: e.payload.alarmId, type: e.payload.type, reason: e.payload.reason, hubResidentId: e.residentId ?? null, deviceId: e.deviceId ?? null, raisedAt: e.hubTime })),
  );
  // One audit entry per batch that changed alarms, not one per alarm (docs/audit.md#alarms-at-ingest): a
  // backlog drain of thousands of alarm events costs one chain append (one head lock) per batch.
  // Returned, not appended here: the caller appends it as the transaction's last statement, since
  // the append holds the organisation's chain head until COMMIT.
  return {
    orgId: hub.orgId,
    actor: { kind: 'hub', id: hub.hubId, orgId: hub.orgId },
    action: 'alarm.write',
    targetType: 'hub',
    targetId: hub.hubId,
    detail: {
      raised: raised.map((e) => ({ alarmId: e.payload.alarmId, seq: e.seq, type: e.payload.type, priority: e.payload.priority })),
      updated: updates.map((e) => ({ alarmId: e.payload.alarmId, seq: e.seq, state: e.payload.state })),
      ...(proposed.length > 0 ? { proposedReferrals: proposed } : {}),
    },
  };
}

export interface AlarmsService {
  list(principal: Principal, query: AlarmQuery): Promise<AlarmItem[]>;
}

export function createAlarmsService({ db }: { db: Database }): AlarmsService {
  return {
    list(principal, query) {
      return listAlarms(db, principal.orgId, query);
    },
  };
}
