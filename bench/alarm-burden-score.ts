/**
 * Scores an alarm-burden run (docs/alarm-burden.md#how-alarms-are-scored): which scripted true events
 * alarmed and how fast, and how many alarms were raised that no true event explains (non-actionable).
 * Pure: the scripted events and the alarm records in, the figures out.
 */
import type { ScriptedEvent, TrueEventKind } from '../firmware-sim/week-load.ts';

/** One alarm record as the bench saw it: a new alarm (`raise`) or a repeat of an open one. */
export interface AlarmRecord {
  op: 'raise' | 'repeat';
  type: string;
  residentId?: string;
  deviceId?: string;
  priority: string;
  at: number;
}

const MINUTE = 60_000;

/**
 * Which alarms answer each kind of event, and how long after its end an alarm still counts for it
 * (a NEWS2 band entered from the round after a fever ended is still that fever).
 */
export const EXPECTED: Readonly<Record<TrueEventKind, { types: RegExp; sameDevice: boolean; afterMs: number }>> = {
  // The pulse rises with a desaturation (+12 /min here): a pulse alarm during one is the same event.
  desaturation: { types: /^(spo2-low|heart-rate-high|news2-.*)$/, sameDevice: false, afterMs: 5 * MINUTE },
  fever: { types: /^(body-temperature-high|heart-rate-high|news2-.*)$/, sameDevice: false, afterMs: 30 * MINUTE },
  fall: { types: /^fall$/, sameDevice: false, afterMs: 0 },
  'silent-device': { types: /^device-silent$/, sameDevice: true, afterMs: 0 },
};

function answers(event: ScriptedEvent, alarm: AlarmRecord): boolean {
  const rule = EXPECTED[event.kind];
  return (
    alarm.residentId === event.residentId &&
    rule.types.test(alarm.type) &&
    (!rule.sameDevice || alarm.deviceId === event.deviceId) &&
    alarm.at >= event.startAt &&
    alarm.at <= event.endAt + rule.afterMs
  );
}

export interface EventOutcome {
  event: ScriptedEvent;
  /** The first alarm (new or repeat) that answered it, or null: missed. */
  alarm: AlarmRecord | null;
  /** ms from when a device first showed it to that alarm (0 when an alarm came first), or null. */
  latencyMs: number | null;
}

export interface BurdenScore {
  outcomes: EventOutcome[];
  /** Per kind: events, alarmed, latencies (ms) of those alarmed. */
  byKind: Record<TrueEventKind, { events: number; alarmed: number; latenciesMs: number[] }>;
  alarmed: number;
  /** New alarms no scripted event explains, by type. */
  nonActionableByType: Record<string, number>;
  nonActionable: number;
  /** All new alarms raised. */
  raised: number;
  residentDays: number;
  nonActionablePerResidentDay: number;
}

export function scoreBurden(events: readonly ScriptedEvent[], alarms: readonly AlarmRecord[], residentDays: number): BurdenScore {
  const byKind = Object.fromEntries((Object.keys(EXPECTED) as TrueEventKind[]).map((k) => [k, { events: 0, alarmed: 0, latenciesMs: [] as number[] }])) as BurdenScore['byKind'];
  const outcomes: EventOutcome[] = events.map((event) => {
    const alarm = alarms.find((a) => answers(event, a)) ?? null;
    const latencyMs = alarm ? Math.max(0, alarm.at - event.measurableAt) : null;
    const kind = byKind[event.kind];
    kind.events++;
    if (alarm) {
      kind.alarmed++;
      kind.latenciesMs.push(latencyMs!);
    }
    return { event, alarm, latencyMs };
  });
  const nonActionableByType: Record<string, number> = {};
  let raised = 0;
  for (const alarm of alarms) {
    if (alarm.op !== 'raise') continue;
    raised++;
    if (events.some((event) => answers(event, alarm))) continue;
    nonActionableByType[alarm.type] = (nonActionableByType[alarm.type] ?? 0) + 1;
  }
  const nonActionable = Object.values(nonActionableByType).reduce((a, b) => a + b, 0);
  return {
    outcomes,
    byKind,
    alarmed: outcomes.filter((o) => o.alarm).length,
    nonActionableByType,
    nonActionable,
    raised,
    residentDays,
    nonActionablePerResidentDay: residentDays > 0 ? nonActionable / residentDays : 0,
  };
}
