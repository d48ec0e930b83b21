/** The hub's alarm record: what the panel shows and LevelDB keeps. */
import { ALARM_PRIORITIES, type Actor, type AlarmPriority, type AlarmState } from '../../protocols/event.ts';

export interface AlarmTransition {
  state: AlarmState;
  at: string;
  by: Actor;
  eventId: string;
  /** Why, when the change said (e.g. "cancelled at the room", "not resolved within 180 s"). */
  note?: string;
}

export interface Alarm {
  id: string;
  key: string;
  type: string;
  priority: AlarmPriority;
  state: AlarmState;
  ruleId: string;
  reason: string;
  roomId?: string;
  deviceId?: string;
  residentId?: string;
  raisedAt: string;
  /** How many times the same condition was raised again while this alarm was open. */
  repeats: number;
  /** Escalation tier (index into the config's `alarms.tiers`); 0 when raised (docs/alarms.md#escalation). */
  tier: number;
  /** Who hears it at this tier: `room`, `all-panels` or `on-call`. */
  audience: string;
  /** When it was last announced: raised, escalated or come back after an acknowledgement (its due time). */
  announcedAt: string;
  /** How many times it was escalated because nobody acknowledged it in time. */
  escalations: number;
  /** The first transition (the raise) and the latest ones, at most LIFECYCLE_KEPT; the audit trail keeps all. */
  lifecycle: AlarmTransition[];
}

/**
 * Allowed moves of the alarm state machine. Resolved is final (a cancel at the bedside is a
 * resolve by the device). Acknowledged → active is the engine's alone: an alarm acknowledged
 * and not resolved in time comes back (docs/alarms.md#lifecycle).
 */
const TRANSITIONS: Record<AlarmState, readonly AlarmState[]> = {
  active: ['acknowledged', 'resolved'],
  acknowledged: ['active', 'resolved'],
  resolved: [],
};

export function canTransition(from: AlarmState, to: AlarmState): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * An alarm acknowledged every 3 min for a week would carry thousands of transitions; the record
 * keeps the raise and the latest ones so memory per open alarm stays bounded (docs/alarms.md#floods).
 */
export const LIFECYCLE_KEPT = 32;

export function appendTransition(lifecycle: readonly AlarmTransition[], entry: AlarmTransition): AlarmTransition[] {
  const next = [...lifecycle, entry];
  return next.length <= LIFECYCLE_KEPT ? next : [next[0]!, ...next.slice(next.length - (LIFECYCLE_KEPT - 1))];
}

/** Most urgent first, then oldest first: the order of the panel's list. */
export function compareAlarms(a: Alarm, b: Alarm): number {
  return ALARM_PRIORITIES.indexOf(a.priority) - ALARM_PRIORITIES.indexOf(b.priority) || a.raisedAt.localeCompare(b.raisedAt) || a.id.localeCompare(b.id);
}
