/**
 * Vital-sign thresholds per resident (docs/rules.md#vital-thresholds): a value past a threshold for
 * the hold time raises one alarm; the rule re-arms only once the value has come back past the
 * hysteresis band, so a value hovering at a threshold raises once, never flaps.
 *
 * Each (metric, side) is a small state machine kept in the resident's state:
 *   armed   (no entry)  -- value past the threshold -->            pending (since = now)
 *   pending             -- held for holdMs (reading or wake-up) --> alarmed (raise)
 *   pending | alarmed   -- value back past threshold ± hysteresis --> armed
 * A value between the threshold and the hysteresis edge changes nothing (a Schmitt trigger), so
 * noise around the threshold neither restarts nor cancels the hold.
 *
 * The rule never clears its alarms: a nurse resolves them (a desaturation that recovered by itself
 * is still something staff must see, docs/rules.md#vital-thresholds).
 *
 * A pulse oximeter's technical states (finger out, searching, no value) are the sensor, not the
 * resident: they suspend that device's SpO2 and pulse and cancel a hold its last values started,
 * so they never raise a low-SpO2 alarm (protocols/device-state.ts).
 */
import { z } from 'zod';
import { AlarmPriority, Id, type Event } from '../../protocols/event.ts';
import type { AlarmCommand } from '../alarms/alarm-command.ts';
import { defineRule } from './rule.ts';

export const THRESHOLD_METRICS = ['spo2', 'heart-rate', 'respiratory-rate', 'systolic-bp', 'body-temperature'] as const;
type Metric = (typeof THRESHOLD_METRICS)[number];
type Side = 'low' | 'high';

/** Metrics an oximeter measures: its sensor state suspends these (and only these) from the same device. */
const OXIMETER_METRICS: ReadonlySet<Metric> = new Set(['spo2', 'heart-rate']);

const LABEL: Record<Metric, { name: string; unit: string }> = {
  spo2: { name: 'SpO2', unit: '%' },
  'heart-rate': { name: 'Pulse', unit: '/min' },
  'respiratory-rate': { name: 'Respiration rate', unit: '/min' },
  'systolic-bp': { name: 'Systolic BP', unit: 'mmHg' },
  'body-temperature': { name: 'Temperature', unit: '°C' },
};

interface Threshold {
  below: number | null;
  above: number | null;
  hysteresis: number;
  holdMs: number;
  priority: AlarmPriority;
}

/**
 * Defaults: the NEWS2 values that score 3 [RCP 2017 chart 1], written as the scorer's cut-offs
 * (hub/vitals/news2.ts): `below` is the first printed value of the band next to the 3, so a value
 * between printed bands (91.5 %) counts as the more abnormal one, as docs/news2.md's rounding rule
 * says. Continuous signals (SpO2, pulse, respiration) hold for a while, because a movement artefact
 * lasts seconds; spot measurements (blood pressure, temperature) are one reading each and raise at once.
 */
export const THRESHOLD_DEFAULTS: Record<Metric, Threshold> = {
  // ≤91 % scores 3 on scale 1; 30 s is the issue's example and a common monitor desaturation delay.
  spo2: { below: 92, above: null, hysteresis: 2, holdMs: 30_000, priority: 'high' },
  // ≤40 or ≥131 /min score 3.
  'heart-rate': { below: 41, above: 130, hysteresis: 5, holdMs: 30_000, priority: 'medium' },
  // ≤8 or ≥25 /min score 3; a radar's breathing rate settles over about a minute.
  'respiratory-rate': { below: 9, above: 24, hysteresis: 2, holdMs: 60_000, priority: 'medium' },
  // ≤90 or ≥220 mmHg score 3.
  'systolic-bp': { below: 91, above: 219, hysteresis: 5, holdMs: 0, priority: 'medium' },
  // ≤35.0 °C scores 3. Fever scores at most 2 on the chart, so NEWS2 alone never alarms on it; above
  // 38.0 °C is where the chart starts scoring (38.1) and close to the long-term-care definition of fever
  // in frail older people (a single oral reading over 37.8 °C: IDSA, Clin Infect Dis 2009;48:149).
  // bench:alarm-burden found scripted fevers unannounced without it (docs/alarm-burden.md).
  'body-temperature': { below: 35.1, above: 38, hysteresis: 0.3, holdMs: 0, priority: 'medium' },
};

/** [RCP 2017 chart 1] scale 2: ≤83 % scores 3, so a scale-2 resident's SpO2 is low below 84 %. */
const SCALE_2_SPO2_BELOW = 84;

function thresholdSchema(d: Threshold) {
  return z
    .strictObject({
      below: z.number().nullable().default(d.below).describe('abnormal when the value is below this; null: no low threshold'),
      above: z.number().nullable().default(d.above).describe('abnormal when the value is above this; null: no high threshold'),
      hysteresis: z.number().min(0).default(d.hysteresis).describe('re-arms once the value is this far back inside the threshold'),
      holdMs: z.number().int().min(0).default(d.holdMs).describe('how long the value must stay past the threshold before it raises (ms)'),
      priority: AlarmPriority.default(d.priority),
    })
    .refine((t) => t.below === null || t.above === null || t.below < t.above, { message: 'below must be less than above' })
    .prefault({});
}

const ThresholdOverride = z
  .strictObject({
    below: z.number().nullable(),
    above: z.number().nullable(),
    hysteresis: z.number().min(0),
    holdMs: z.number().int().min(0),
    priority: AlarmPriority,
  })
  .partial();

const options = z.strictObject({
  thresholds: z
    .strictObject(Object.fromEntries(THRESHOLD_METRICS.map((m) => [m, thresholdSchema(THRESHOLD_DEFAULTS[m])])) as Record<Metric, ReturnType<typeof thresholdSchema>>)
    .prefault({})
    .describe('per metric: below, above, hysteresis, holdMs, priority'),
  scale2Spo2Below: z.number().default(SCALE_2_SPO2_BELOW).describe('SpO2 low threshold of a resident on scale 2'),
  holdEndsAt: z
    .enum(['threshold', 'band'])
    .default('threshold')
    .describe(
      'what ends a hold before it raises: a value back on the normal side of the threshold itself (threshold), or only one back past the hysteresis band (band); after an alarm, re-arming always needs the band',
    ),
  residents: z
    .record(
      Id,
      z.strictObject({
        spo2Scale: z.union([z.literal(1), z.literal(2)]).optional().describe('2 only for confirmed hypercapnic respiratory failure (a clinical decision)'),
        thresholds: z.strictObject(Object.fromEntries(THRESHOLD_METRICS.map((m) => [m, ThresholdOverride.optional()])) as Record<Metric, z.ZodOptional<typeof ThresholdOverride>>).optional(),
      }),
    )
    .default({})
    .describe('per resident id: spo2Scale and threshold overrides'),
}).superRefine((opts, ctx) => {
  // A resident's override merged over the rule-wide value must still leave a normal range.
  for (const residentId of Object.keys(opts.residents)) {
    for (const metric of THRESHOLD_METRICS) {
      const t = thresholdFor(opts, residentId, metric);
      if (t.below !== null && t.above !== null && t.below >= t.above) {
        ctx.addIssue({ code: 'custom', path: ['residents', residentId, 'thresholds', metric], message: `below (${t.below}) must be less than above (${t.above})` });
      }
    }
  }
});
type Options = z.infer<typeof options>;

/** The threshold in force for one resident: rule-wide, then scale 2, then the resident's own. */
export function thresholdFor(opts: Options, residentId: string, metric: Metric): Threshold {
  const resident = opts.residents[residentId];
  let t: Threshold = opts.thresholds[metric];
  if (metric === 'spo2' && resident?.spo2Scale === 2) t = { ...t, below: opts.scale2Spo2Below };
  const own = resident?.thresholds?.[metric];
  return own ? { ...t, ...own } : t;
}

/** One (metric, side) that is past its threshold. Absent: armed. */
interface Track {
  phase: 'pending' | 'alarmed';
  /** When the value first went past the threshold (clock ms). */
  since: number;
  /** The most abnormal value since then. */
  worst: number;
  deviceId: string | null;
  causeEventId: string;
}

/** A measuring device's technical state, as far as this rule cares. */
interface Sensor {
  suspended: boolean;
  /** The device reports 'measuring' when it measures again; one that never has resumes on its next value instead. */
  saysMeasuring: boolean;
}

export interface VitalThresholdsState {
  /** keyed by `${metric}:${side}` */
  tracks: Record<string, Track>;
  /** keyed by device id */
  sensors: Record<string, Sensor>;
}

type Result = { state: VitalThresholdsState; alarms: AlarmCommand[]; wakeAt: number | null };

const isMetric = (metric: string): metric is Metric => (THRESHOLD_METRICS as readonly string[]).includes(metric);
const trackKey = (metric: Metric, side: Side) => `${metric}:${side}`;
const parseKey = (key: string) => key.split(':') as [Metric, Side];

function past(t: Threshold, side: Side, value: number): boolean {
  return side === 'low' ? t.below !== null && value < t.below : t.above !== null && value > t.above;
}

function recovered(t: Threshold, side: Side, value: number): boolean {
  return side === 'low' ? t.below === null || value >= t.below + t.hysteresis : t.above === null || value <= t.above - t.hysteresis;
}

function reason(metric: Metric, side: Side, t: Threshold, track: Track, scale2: boolean): string {
  const { name, unit } = LABEL[metric];
  const limit = side === 'low' ? `below ${t.below} ${unit}` : `above ${t.above} ${unit}`;
  const held = t.holdMs > 0 ? ` for ${Math.round(t.holdMs / 1000)} s` : '';
  return `${name} ${limit}${held} (${side === 'low' ? 'lowest' : 'highest'} ${track.worst} ${unit})${scale2 ? ', SpO2 scale 2' : ''}`;
}

/** Raises every pending track whose hold has passed; asks to be woken for the next one. */
function settle(state: VitalThresholdsState, now: number, opts: Options, residentId: string): Result {
  const tracks = { ...state.tracks };
  const alarms: AlarmCommand[] = [];
  let wakeAt: number | null = null;
  for (const [key, track] of Object.entries(tracks)) {
    if (track.phase !== 'pending') continue;
    const [metric, side] = parseKey(key);
    const t = thresholdFor(opts, residentId, metric);
    if ((side === 'low' ? t.below : t.above) === null) {
      delete tracks[key]; // the threshold was removed from the config since the hold began
      continue;
    }
    const due = track.since + t.holdMs;
    if (due > now) {
      wakeAt = wakeAt === null ? due : Math.min(wakeAt, due);
      continue;
    }
    tracks[key] = { ...track, phase: 'alarmed' };
    alarms.push({
      op: 'raise',
      key: `${metric}-${side}:${residentId}`,
      type: `${metric}-${side}`,
      priority: t.priority,
      reason: reason(metric, side, t, track, metric === 'spo2' && opts.residents[residentId]?.spo2Scale === 2),
      residentId,
      ...(track.deviceId !== null && { deviceId: track.deviceId }),
      causeEventId: track.causeEventId,
    });
  }
  return { state: { ...state, tracks }, alarms, wakeAt };
}

function onSensor(state: VitalThresholdsState, deviceId: string, status: string): VitalThresholdsState {
  if (status === 'alive') return state; // a radar's heartbeat says nothing about a measurement
  const before = state.sensors[deviceId];
  if (status === 'measuring') return { ...state, sensors: { ...state.sensors, [deviceId]: { suspended: false, saysMeasuring: true } } };
  // A hold the device's last values started is cancelled: the finger slipping out often reads low first.
  const tracks = Object.fromEntries(
    Object.entries(state.tracks).filter(([key, track]) => !(track.phase === 'pending' && track.deviceId === deviceId && OXIMETER_METRICS.has(parseKey(key)[0]))),
  );
  return { tracks, sensors: { ...state.sensors, [deviceId]: { suspended: true, saysMeasuring: before?.saysMeasuring ?? false } } };
}

function onReading(state: VitalThresholdsState, event: Event & { kind: 'reading' }, metric: Metric, now: number, opts: Options, residentId: string): VitalThresholdsState | null {
  const deviceId = event.deviceId ?? null;
  let sensors = state.sensors;
  if (OXIMETER_METRICS.has(metric) && deviceId !== null && sensors[deviceId]?.suspended) {
    // A device that reports 'measuring' says so when it measures again; until then its values are not the resident's.
    if (sensors[deviceId].saysMeasuring) return null;
    sensors = { ...sensors, [deviceId]: { suspended: false, saysMeasuring: false } };
  }
  const t = thresholdFor(opts, residentId, metric);
  const value = event.payload.value;
  const tracks = { ...state.tracks };
  for (const side of ['low', 'high'] as const) {
    const key = trackKey(metric, side);
    const track = tracks[key];
    if (!track) {
      if (past(t, side, value)) tracks[key] = { phase: 'pending', since: now, worst: value, deviceId, causeEventId: event.id };
    } else if (recovered(t, side, value) || (track.phase === 'pending' && opts.holdEndsAt === 'threshold' && !past(t, side, value))) {
      // A hold needs the value past the threshold all along: a value hovering at it (SpO2 91, 92, 93 %)
      // starts holds it then ends, instead of sounding 30 s after one dip (docs/alarm-burden.md). The
      // band guards only re-arming after an alarm, so a hovering value still raises at most once.
      delete tracks[key];
    } else {
      const worst = side === 'low' ? Math.min(track.worst, value) : Math.max(track.worst, value);
      tracks[key] = { ...track, worst, deviceId };
    }
  }
  return { tracks, sensors };
}

export const vitalThresholdsRule = defineRule({
  id: 'vital-thresholds',
  description: 'Raises an alarm when a vital sign stays past its threshold for its hold time; re-arms after recovery past the hysteresis band.',
  inputs: ['reading', 'state'],
  options,
  scope: (event) => event.residentId ?? null,
  initialState: (): VitalThresholdsState => ({ tracks: {}, sensors: {} }),
  evaluate(state: VitalThresholdsState, event, now, opts: Options): Result | { state: VitalThresholdsState; alarms: AlarmCommand[] } {
    const residentId = event.residentId;
    if (residentId === undefined) return { state, alarms: [] };
    let next: VitalThresholdsState | null = null;
    if (event.kind === 'state' && event.payload.kind === 'sensor' && event.deviceId !== undefined) {
      next = onSensor(state, event.deviceId, event.payload.status);
    } else if (event.kind === 'reading' && isMetric(event.payload.metric)) {
      next = onReading(state, event, event.payload.metric, now, opts, residentId);
    }
    // Not ours (or ignored): no new state, and the wake-up already asked for stands.
    if (next === null) return { state, alarms: [] };
    return settle(next, now, opts, residentId);
  },
  tick(state: VitalThresholdsState, now, opts: Options, scope) {
    return settle(state, now, opts, scope);
  },
});
