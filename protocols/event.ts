/**
 * The Event envelope (docs/architecture.md#the-seams): a frame is decoded once and
 * becomes one Event; rules read it, the outbox stores it, the relay ingests it.
 */
import { z } from 'zod';
import { CALL_POINT_EVENTS } from './call-frame.ts';
import { UUID_PATTERN } from './uuidv7.ts';
import { DeviceState } from './device-state.ts';
import { MEASURE_IDS } from './vitals.ts';

export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, . _ : - only');
export const IsoTime = z.iso.datetime({ offset: true });

/** Most urgent first; `technical` is a fault of the system itself (a silent device, a battery), after clinical low (docs/alarms.md#priorities). */
export const ALARM_PRIORITIES = ['high', 'medium', 'low', 'technical'] as const;
export const AlarmPriority = z.enum(ALARM_PRIORITIES);
export type AlarmPriority = z.infer<typeof AlarmPriority>;

export const ALARM_STATES = ['active', 'acknowledged', 'resolved'] as const;
export const AlarmState = z.enum(ALARM_STATES);
export type AlarmState = z.infer<typeof AlarmState>;

export const Actor = z.strictObject({
  kind: z.enum(['panel', 'device', 'rule', 'system', 'operator']),
  id: z.string().max(128).optional(),
});
export type Actor = z.infer<typeof Actor>;

export const CallPointPayload = z.strictObject({
  event: z.enum(CALL_POINT_EVENTS),
  /** The call point's own sequence number; duplicates are dropped by it at the hub. */
  deviceSeq: z.number().int().min(0).max(65535),
  battery: z.number().min(0).max(100).nullable(),
  via: z.enum(['serial', 'mqtt', 'zigbee2mqtt', 'ble']),
});

export const ReadingPayload = z.strictObject({
  metric: z.enum(MEASURE_IDS),
  /** null for a device measure without a LOINC code (protocols/vitals.ts). */
  loinc: z.string().nullable(),
  value: z.number().finite(),
  unit: z.string(),
  /** A value a member of staff measured and entered by hand (the panel's observation form); absent when a device sent it. */
  enteredBy: Actor.optional(),
});

export const AlarmPayload = z.strictObject({
  alarmId: z.string().regex(UUID_PATTERN),
  /** De-duplication key: one active alarm per key (e.g. `call:room-101`). */
  key: z.string().min(1).max(200),
  type: z.string().min(1).max(64),
  priority: AlarmPriority,
  state: z.literal('active'),
  ruleId: z.string(),
  reason: z.string().max(500),
  causeEventId: z.string().regex(UUID_PATTERN).optional(),
});

export const AlarmUpdatePayload = z.strictObject({
  alarmId: z.string().regex(UUID_PATTERN),
  state: AlarmState,
  by: Actor,
  note: z.string().max(500).optional(),
});

/**
 * The hub announced an alarm again because nobody acknowledged it in time, and to whom (tier:
 * index into the hub's `alarms.tiers`, audience: that tier's name). Not a state change, so the
 * relay's alarm projection is not touched by it (docs/alarms.md#escalation).
 */
export const AlarmEscalationPayload = z.strictObject({
  alarmId: z.string().regex(UUID_PATTERN),
  tier: z.number().int().min(0).max(15),
  audience: z.enum(['room', 'all-panels', 'on-call']),
  /** How many times this alarm has been escalated, this one included. */
  count: z.number().int().min(1),
  /** When it was due (the hub's time of this event is when it went out; later after a restart). */
  dueAt: IsoTime,
});

export const DeviceStatusPayload = z.strictObject({
  status: z.enum(['online', 'offline', 'low-battery', 'fault']),
  battery: z.number().min(0).max(100).nullable().optional(),
  detail: z.string().max(500).optional(),
});

/** [RCP 2017 chart 1] consciousness: Alert, new Confusion, Voice, Pain, Unresponsive (hub/vitals/news2.ts scores it). */
export const ACVPU_LEVELS = ['A', 'C', 'V', 'P', 'U'] as const;

/**
 * What a member of staff observed at the bedside: the NEWS2 parameters no device measures
 * (docs/rules.md#news2). At least one of them; `by` is who entered it.
 */
export const ObservationPayload = z
  .strictObject({
    acvpu: z.enum(ACVPU_LEVELS).optional(),
    /** True: on supplemental oxygen; false: on air. */
    o2: z.boolean().optional(),
    by: Actor,
  })
  .refine((p) => p.acvpu !== undefined || p.o2 !== undefined, { message: 'an observation needs acvpu or o2' });

export const AuditPayload = z.strictObject({
  action: z.string().min(1).max(100),
  actor: Actor,
  detail: z.record(z.string(), z.unknown()).optional(),
});

/** Seqs as inclusive `[first, last]` runs in ascending order: how a summary or a shedding report names what it replaced. */
export const SeqRuns = z
  .array(z.tuple([z.number().int().min(1), z.number().int().min(1)]))
  .min(1)
  .max(10_000)
  .refine((runs) => runs.every(([a, b], i) => a <= b && (i === 0 || a > runs[i - 1]![1] + 1)), {
    message: 'runs must be ascending, non-overlapping and non-adjacent [first, last] pairs',
  });

/** How many seqs the runs name. */
export function seqRunsCount(runs: ReadonlyArray<readonly [number, number]>): number {
  return runs.reduce((n, [a, b]) => n + b - a + 1, 0);
}

/**
 * One minute of one device's one metric, written in place of its raw readings when the outbox nears
 * its disk budget (docs/disk-budget.md#thinning). `seqs` names the readings it replaced.
 */
export const ReadingSummaryPayload = z
  .strictObject({
    metric: z.enum(MEASURE_IDS),
    loinc: z.string().nullable(),
    unit: z.string(),
    /** Start of the minute, in hub time, the readings were received in. */
    minute: IsoTime,
    count: z.number().int().min(1),
    min: z.number().finite(),
    max: z.number().finite(),
    mean: z.number().finite(),
    seqs: SeqRuns,
  })
  .refine((p) => p.min <= p.mean && p.mean <= p.max, { message: 'needs min <= mean <= max' })
  .refine((p) => seqRunsCount(p.seqs) === p.count, { message: 'seqs must name exactly count readings' });

/**
 * The hub removed telemetry from its outbox to stay within its disk budget (docs/disk-budget.md):
 * how much, of what, from when to when. Critical (never shed itself): it is the relay's only word
 * on why those seqs never arrive.
 */
export const OutboxShedPayload = z.strictObject({
  /** thinned: raw readings replaced by per-minute summaries; dropped: the oldest telemetry deleted */
  action: z.enum(['thinned', 'dropped']),
  /** events removed from the outbox */
  events: z.number().int().min(1),
  /** summaries written in their place (0 when dropped) */
  summaries: z.number().int().min(0),
  /** removed events by kind, readings also as `reading:<metric>` */
  byKind: z.record(z.string().max(64), z.number().int().min(1)),
  /** hub times of the oldest and the newest event removed */
  from: IsoTime,
  to: IsoTime,
  /** the removed seqs */
  seqs: SeqRuns,
  /** estimated outbox bytes freed, and the budget in force */
  bytesFreed: z.number().int().min(0),
  budgetBytes: z.number().int().min(1),
});

const envelope = {
  id: z.string().regex(UUID_PATTERN, 'must be a UUIDv7'),
  hubId: Id,
  seq: z.number().int().min(1),
  hubTime: IsoTime,
  deviceTime: IsoTime.optional(),
  deviceId: Id.optional(),
  roomId: Id.optional(),
  residentId: Id.optional(),
};

export const Event = z.discriminatedUnion('kind', [
  z.strictObject({ ...envelope, kind: z.literal('call-point'), payload: CallPointPayload }),
  z.strictObject({ ...envelope, kind: z.literal('reading'), payload: ReadingPayload }),
  z.strictObject({ ...envelope, kind: z.literal('alarm'), payload: AlarmPayload }),
  z.strictObject({ ...envelope, kind: z.literal('alarm-update'), payload: AlarmUpdatePayload }),
  z.strictObject({ ...envelope, kind: z.literal('alarm-escalation'), payload: AlarmEscalationPayload }),
  z.strictObject({ ...envelope, kind: z.literal('device-status'), payload: DeviceStatusPayload }),
  z.strictObject({ ...envelope, kind: z.literal('state'), payload: DeviceState }),
  z.strictObject({ ...envelope, kind: z.literal('audit'), payload: AuditPayload }),
  z.strictObject({ ...envelope, kind: z.literal('reading-summary'), payload: ReadingSummaryPayload }),
  z.strictObject({ ...envelope, kind: z.literal('outbox-shed'), payload: OutboxShedPayload }),
  // A staff observation is always about one resident.
  z.strictObject({ ...envelope, residentId: Id, kind: z.literal('observation'), payload: ObservationPayload }),
]);
export type Event = z.infer<typeof Event>;
export type EventKind = Event['kind'];
export type EventOf<K extends EventKind> = Extract<Event, { kind: K }>;

/** What a producer supplies; the hub's event factory adds id, hubId, seq and hubTime. */
export type EventDraft = {
  [K in EventKind]: Omit<EventOf<K>, 'id' | 'hubId' | 'seq' | 'hubTime'> & { hubTime?: string };
}[EventKind];

/** Events that must reach disk before anyone is told (promise 1) and are never shed (promise 7): docs/architecture.md#promises. */
export function isCritical(event: Pick<Event, 'kind'>): boolean {
  return event.kind === 'alarm' || event.kind === 'alarm-update' || event.kind === 'alarm-escalation' || event.kind === 'call-point';
}
