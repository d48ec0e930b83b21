/** The hub's alarm record: what the panel shows and LevelDB keeps. */
import type { Actor, AlarmPriority, AlarmState } from '../../protocols/event.ts';

export interface AlarmTransition {
  state: AlarmState;
  at: string;
  by: Actor;
  eventId: string;
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
  lifecycle: AlarmTransition[];
}

/** Allowed moves of the alarm state machine. Resolved is final. */
const TRANSITIONS: Record<AlarmState, readonly AlarmState[]> = {
  active: ['acknowledged', 'resolved'],
  acknowledged: ['resolved'],
  resolved: [],
};

export function canTransition(from: AlarmState, to: AlarmState): boolean {
  return TRANSITIONS[from].includes(to);
}
