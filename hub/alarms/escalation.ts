/**
 * When an open alarm is due to be announced again, and what happens then (docs/alarms.md#escalation).
 * Pure: times in, steps out. The alarm service owns the one timer and applies the steps.
 *
 * Every due time is computed from times stored on the alarm record (when it was last announced, when
 * it was acknowledged), never from when this process started, so after a kill -9 a restored alarm
 * escalates at its original time, or at once when that time passed while the hub was down.
 */
import { z } from 'zod';
import { AlarmEscalationPayload, type AlarmPriority } from '../../protocols/event.ts';
import type { Alarm } from './alarm.ts';

/** Who hears a tier: the room's panel, every panel of the hub, the relay's on-call notification. */
export const EscalationAudience = AlarmEscalationPayload.shape.audience;
export type EscalationAudience = z.infer<typeof EscalationAudience>;

const seconds = (fallback: number, what: string) => z.number().int().min(1).max(86_400).default(fallback).describe(what);

/** The hub config's `alarms` section (docs/configuration.md). */
export const AlarmsConfig = z
  .strictObject({
    escalateAfterS: z
      .strictObject({
        high: seconds(60, 'an active high-priority alarm not acknowledged within this many seconds is announced again, one tier up'),
        medium: seconds(180, 'the same for medium priority'),
        low: seconds(600, 'the same for low priority'),
        // A fault of the system (a flat battery, a silent sensor) needs someone this shift, not at a run.
        technical: seconds(1800, 'the same for technical alarms'),
      })
      .prefault({}),
    returnAfterS: seconds(180, 'an acknowledged alarm not resolved within this many seconds becomes active again (nurse-call practice: about 3 min)'),
    tiers: z
      .array(EscalationAudience)
      .min(1)
      .max(16)
      .default(['room', 'all-panels', 'on-call'])
      .describe('who hears an alarm at each tier; a new alarm starts at the first, each escalation moves one down, the last repeats'),
  })
  .prefault({});
export type AlarmsConfig = z.output<typeof AlarmsConfig>;

/** The defaults, for services built without a config (tests, tools). */
export const DEFAULT_ALARMS_CONFIG: AlarmsConfig = AlarmsConfig.parse(undefined);

export type EscalationStep =
  /** Still not acknowledged: announce again at `tier`. `dueAt` is the latest due time that has passed. */
  | { kind: 'escalate'; tier: number; audience: EscalationAudience; count: number; dueAt: number }
  /** Acknowledged but not resolved in time: the alarm becomes active again. */
  | { kind: 'return'; dueAt: number };

export function escalateAfterMs(priority: AlarmPriority, config: AlarmsConfig): number {
  return config.escalateAfterS[priority] * 1000;
}

/** When the alarm next needs the engine (clock ms), or null when it never will (resolved). */
export function nextDueAt(alarm: Alarm, config: AlarmsConfig): number | null {
  if (alarm.state === 'active') return Date.parse(alarm.announcedAt) + escalateAfterMs(alarm.priority, config);
  if (alarm.state === 'acknowledged') return Date.parse(acknowledgedAt(alarm)) + config.returnAfterS * 1000;
  return null;
}

/**
 * What to do with the alarm at `now`, or null when nothing is due yet. An active alarm whose due
 * time passed several periods ago (the hub was down) goes up as many tiers as periods passed, in
 * one step, and stays on its original schedule: the next due time is a whole period after the
 * latest one passed, not a period after `now`.
 */
export function escalationStep(alarm: Alarm, now: number, config: AlarmsConfig): EscalationStep | null {
  const due = nextDueAt(alarm, config);
  if (due === null || due > now) return null;
  if (alarm.state === 'acknowledged') return { kind: 'return', dueAt: due };
  const period = escalateAfterMs(alarm.priority, config);
  const passed = 1 + Math.floor((now - due) / period);
  const tier = Math.min(alarm.tier + passed, config.tiers.length - 1);
  return { kind: 'escalate', tier, audience: config.tiers[tier]!, count: alarm.escalations + 1, dueAt: due + (passed - 1) * period };
}

/** The time of the acknowledgement the alarm is waiting on: its latest lifecycle entry while acknowledged. */
function acknowledgedAt(alarm: Alarm): string {
  for (let i = alarm.lifecycle.length - 1; i >= 0; i--) if (alarm.lifecycle[i]!.state === 'acknowledged') return alarm.lifecycle[i]!.at;
  return alarm.announcedAt; // a record without its acknowledgement (hand-edited store): wait from its last announcement
}
