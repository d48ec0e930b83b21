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

/**
 * Keyed by a number that grows with every entry, zero-padded so key order is number order. Not the
 * event id: two UUIDv7 ids made in one millisecond sort by their random part, not by time. Not the
 * seq: the event log assigns it after the batch is built. The number is taken when the batch is
 * built, in the order the event log queues its events, so the trail reads in seq order.
 */
export const ALARM_AUDIT_PREFIX = 'audit:alarm:';
const NUMBER_WIDTH = 16;

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

export function alarmAuditOp(number: number, entry: AlarmAuditEntry): KvOp {
  return { type: 'put', key: ALARM_AUDIT_PREFIX + String(number).padStart(NUMBER_WIDTH, '0'), value: entry };
}

/** The number of the last entry written (0 when none), so a restarted hub carries on after it. */
export async function lastAlarmAuditNumber(store: KvStore): Promise<number> {
  const [last] = await store.entries<AlarmAuditEntry>({ gte: ALARM_AUDIT_PREFIX, lt: prefixEnd(ALARM_AUDIT_PREFIX), reverse: true, limit: 1 });
  return last ? Number(last[0].slice(ALARM_AUDIT_PREFIX.length)) : 0;
}

/** Every entry in time order, or only one alarm's. */
export async function readAlarmAuditTrail(store: KvStore, alarmId?: string): Promise<AlarmAuditEntry[]> {
  const rows = await store.entries<AlarmAuditEntry>({ gte: ALARM_AUDIT_PREFIX, lt: prefixEnd(ALARM_AUDIT_PREFIX) });
  const entries = rows.map(([, entry]) => entry);
  return alarmId === undefined ? entries : entries.filter((e) => e.alarmId === alarmId);
}
