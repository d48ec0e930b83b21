/**
 * The hub's own record of every alarm transition: who, when, and the outbox event that carried it
 * (docs/alarms.md#audit-trail). Each entry is written in the same atomic batch as that event, so
 * there is never an event without its entry or an entry without its event. The outbox deletes
 * events once the relay has them; these entries stay, so the hub can still say who acknowledged
 * what while the relay is out of reach or after it has the events.
 */
import type { Actor } from '../../protocols/event.ts';
import type { KvOp, KvStore } from '../store/kv-store.ts';
import { prefixEnd } from '../store/keys.ts';

/** Keyed by the event id: UUIDv7, time-ordered, so the trail reads in the order things happened. */
export const ALARM_AUDIT_PREFIX = 'audit:alarm:';

export const ALARM_AUDIT_ACTIONS = ['raised', 'acknowledged', 'resolved', 'cancelled', 'returned', 'escalated'] as const;
export type AlarmAuditAction = (typeof ALARM_AUDIT_ACTIONS)[number];

export interface AlarmAuditEntry {
  at: string;
  alarmId: string;
  key: string;
  action: AlarmAuditAction;
  by: Actor;
  /** The outbox event of this transition (kind alarm, alarm-update or alarm-escalation). */
  eventId: string;
  tier?: number;
  note?: string;
}

export function alarmAuditOp(entry: AlarmAuditEntry): KvOp {
  return { type: 'put', key: ALARM_AUDIT_PREFIX + entry.eventId, value: entry };
}

/** Every entry in time order, or only one alarm's. */
export async function readAlarmAuditTrail(store: KvStore, alarmId?: string): Promise<AlarmAuditEntry[]> {
  const rows = await store.entries<AlarmAuditEntry>({ gte: ALARM_AUDIT_PREFIX, lt: prefixEnd(ALARM_AUDIT_PREFIX) });
  const entries = rows.map(([, entry]) => entry);
  return alarmId === undefined ? entries : entries.filter((e) => e.alarmId === alarmId);
}
