/**
 * NEWS2 per resident (docs/rules.md#news2): the latest value of each parameter within a window,
 * scored by hub/vitals/news2.ts (docs/news2.md), and an alarm when the clinical-risk band rises
 * into low-medium, medium or high. Dropping back raises nothing; rising again later does.
 *
 * Devices measure respiration, SpO2, blood pressure, pulse and temperature. Consciousness (ACVPU)
 * and air or oxygen come from staff `observation` events (protocols/event.ts). Never entered, they
 * are taken as alert and on air (the chart's 0-scoring column), and the alarm reason says so, so
 * nobody mistakes the assumption for an observation. Taking them as normal can only score too low,
 * never raise an alarm that the measured values do not justify.
 *
 * A higher band is announced once the score has stayed in it for `confirmMs` (2 min by default):
 * NEWS2 is a score of an observation set, and scored on a worn oximeter's every value a moving hand
 * (SpO2 85 % for ten seconds) or a value hovering at a band edge enters a higher band again and again.
 * The acute single-value dangers are the vital-thresholds rule's, with their own 30 s holds
 * (docs/rules.md#news2, docs/alarm-burden.md).
 */
import { z } from 'zod';
import { AlarmPriority, Id, type Event } from '../../protocols/event.ts';
import type { AlarmCommand } from '../alarms/alarm-command.ts';
import { NEWS2_LIMITS, News2Options, scoreNews2Partial, type Acvpu, type News2Band, type News2Parts } from '../vitals/news2.ts';
import { defineRule } from './rule.ts';

/** Device metric (protocols/vitals.ts) → NEWS2 parameter. */
const PARAMETER = {
  'respiratory-rate': 'rr',
  spo2: 'spo2',
  'systolic-bp': 'sbp',
  'heart-rate': 'hr',
  'body-temperature': 'temp',
} as const;
type Measured = (typeof PARAMETER)[keyof typeof PARAMETER];
const MEASURED: readonly Measured[] = ['rr', 'spo2', 'sbp', 'hr', 'temp'];

/** Band order: an alarm when the band moves up this list. */
const RANK: Record<News2Band, number> = { low: 0, 'low-medium': 1, medium: 2, high: 3 };

/** One observation round: the RCP's minimum frequency for a score of 1–4 is 4-hourly (chart 4). */
const FOUR_HOURS = 4 * 60 * 60 * 1000;

const options = z.strictObject({
  windowMs: z.number().int().positive().default(FOUR_HOURS).describe('values (and consciousness entries) older than this are not scored (ms)'),
  priorities: z
    .strictObject({
      'low-medium': AlarmPriority.default('low'),
      medium: AlarmPriority.default('medium'),
      high: AlarmPriority.default('high'),
    })
    .prefault({})
    .describe('alarm priority on entering each band'),
  redScore: News2Options.shape.redScore,
  confirmMs: z
    .number()
    .int()
    .nonnegative()
    .default(120_000)
    .describe('a higher band is announced once the score has stayed in it (or higher) this long (ms); 0 announces at once'),
  residents: z
    .record(Id, z.strictObject({ spo2Scale: z.union([z.literal(1), z.literal(2)]).default(1) }))
    .default({})
    .describe('per resident id: spo2Scale (2 only for confirmed hypercapnic respiratory failure)'),
});
type Options = z.infer<typeof options>;

interface Timed<T> {
  value: T;
  at: number;
  /** The device that measured it, so its sensor states can withdraw it. */
  deviceId?: string;
}

export interface News2RuleState {
  /** keyed by NEWS2 parameter */
  values: Partial<Record<Measured, Timed<number>>>;
  acvpu: Timed<Acvpu> | null;
  /** Oxygen is a prescription, not a reading: it holds until staff enter otherwise. */
  o2: Timed<boolean> | null;
  /** The band of the last complete score; kept across gaps in the data so a gap never re-alarms. */
  band: News2Band | null;
  score: number | null;
  /** The score when `band` was last set: what a rise is "up from". */
  bandScore?: number | null;
  /** Bands above `band` the score has stayed in or above, since when (ms), keyed by band; announced after confirmMs. */
  rising?: Partial<Record<News2Band, number>>;
  /** Scores below `band` since when (ms), the highest band among them and the latest score: `band` follows them down once they have held confirmMs. */
  falling?: { since: number; band: News2Band; score: number } | null;
  /** The latest complete score, for the reason of an alarm a wake-up raises. */
  latest?: { score: number; band: News2Band; text: string; causeEventId: string } | null;
}

const inRange = (parameter: Measured, value: number) => {
  const { min, max } = NEWS2_LIMITS[parameter];
  return value >= min && value <= max;
};

function describe(parts: Partial<News2Parts>): string {
  return Object.entries(parts)
    .map(([key, part]) => `${key} ${part}`)
    .join(', ');
}

export const news2Rule = defineRule({
  id: 'news2',
  description: 'Scores NEWS2 per resident from the latest values within a window; alarms when the band rises.',
  inputs: ['reading', 'observation', 'state'],
  options,
  scope: (event) => event.residentId ?? null,
  initialState: (): News2RuleState => ({ values: {}, acvpu: null, o2: null, band: null, score: null }),
  evaluate(state: News2RuleState, event: Event, now, opts: Options) {
    const residentId = event.residentId;
    if (residentId === undefined) return { state, alarms: [] };
    let next: News2RuleState;
    if (event.kind === 'reading') {
      const parameter = (PARAMETER as Record<string, Measured | undefined>)[event.payload.metric];
      // A value outside the scorer's plausible range is a device error, not a vital sign (docs/news2.md#accepted-ranges).
      if (parameter === undefined || !inRange(parameter, event.payload.value)) return { state, alarms: [] };
      next = { ...state, values: { ...state.values, [parameter]: { value: event.payload.value, at: now, ...(event.deviceId !== undefined && { deviceId: event.deviceId }) } } };
    } else if (event.kind === 'observation') {
      const { acvpu, o2 } = event.payload;
      next = { ...state, ...(acvpu !== undefined && { acvpu: { value: acvpu, at: now } }), ...(o2 !== undefined && { o2: { value: o2, at: now } }) };
    } else if (event.kind === 'state' && event.payload.kind === 'sensor' && event.payload.status !== 'measuring' && event.payload.status !== 'alive') {
      // Finger out, searching, no value: the device's last values are not the resident's (a finger
      // slipping out reads low first). Withdrawn, the score is incomplete and a rise in progress ends.
      const deviceId = event.deviceId;
      const withdrawn = MEASURED.filter((p) => deviceId !== undefined && state.values[p]?.deviceId === deviceId);
      if (withdrawn.length === 0) return { state, alarms: [] };
      const values = { ...state.values };
      for (const p of withdrawn) delete values[p];
      return { state: { ...state, values, rising: {} }, alarms: [], wakeAt: null };
    } else {
      return { state, alarms: [] };
    }

    const fresh = (t: Timed<unknown> | null | undefined) => !!t && now - t.at <= opts.windowMs;
    const values: Partial<Record<Measured, number>> = {};
    for (const p of MEASURED) {
      const v = next.values[p];
      if (v && fresh(v)) values[p] = v.value;
    }
    const assumed: string[] = [];
    const acvpu: Acvpu = next.acvpu && fresh(next.acvpu) ? next.acvpu.value : 'A';
    if (!next.acvpu || !fresh(next.acvpu)) assumed.push(next.acvpu ? `consciousness not recorded within ${Math.round(opts.windowMs / 60_000)} min, assumed alert` : 'consciousness never recorded, assumed alert');
    const o2 = next.o2 ? next.o2.value : false;
    if (!next.o2) assumed.push('air or oxygen never recorded, assumed air');

    const scale = opts.residents[residentId]?.spo2Scale ?? 1;
    const result = scoreNews2Partial({ ...values, scale, o2, acvpu }, { redScore: opts.redScore });
    // The scorer gives no score while a measured value is missing (never scoring it as 0): no
    // score, and the band of the last complete one stands (docs/news2.md#api-hubvitalsnews2ts).
    if (result.score === null || result.band === null) return { state: next, alarms: [] };

    const text = `${describe(result.parts)}; SpO2 scale ${scale}${assumed.length ? `; ${assumed.join('; ')}` : ''}`;
    // A drop below the announced band that has held confirmMs (the scores since were all lower) took effect.
    const dropped = next.falling && now - next.falling.since >= opts.confirmMs ? { band: next.falling.band, bandScore: next.falling.score, falling: null } : {};
    const scored: News2RuleState = { ...next, ...dropped, score: result.score, latest: { score: result.score, band: result.band, text, causeEventId: event.id } };
    const confirmed = scored.band ?? 'low';
    if (RANK[result.band] < RANK[confirmed]) {
      // Below the announced band: the band follows the score down once it has stayed lower for
      // confirmMs (at once with 0), so a score wavering at a band edge is not announced again and
      // again; a rise in progress ends.
      const since = scored.falling?.since ?? now;
      const highest = scored.falling && RANK[scored.falling.band] > RANK[result.band] ? scored.falling.band : result.band;
      if (now - since >= opts.confirmMs) return { state: { ...scored, band: highest, bandScore: result.score, rising: {}, falling: null }, alarms: [], wakeAt: null };
      return { state: { ...scored, rising: {}, falling: { since, band: highest, score: result.score } }, alarms: [], wakeAt: null };
    }
    if (RANK[result.band] === RANK[confirmed]) {
      // In the announced band: any drop or rise in progress ends.
      return { state: { ...scored, band: result.band, bandScore: result.score, rising: {}, falling: null }, alarms: [], wakeAt: null };
    }
    // Above it: each band between is held since the first score that reached it; bands above this score lose theirs.
    const rising: Partial<Record<News2Band, number>> = {};
    for (const band of BANDS) {
      if (RANK[band] > RANK[confirmed] && RANK[band] <= RANK[result.band]) rising[band] = next.rising?.[band] ?? now;
    }
    return confirm({ ...scored, rising, falling: null }, now, opts, residentId);
  },
  tick(state: News2RuleState, now, opts: Options, scope) {
    return confirm(state, now, opts, scope);
  },
});

const BANDS: readonly News2Band[] = ['low', 'low-medium', 'medium', 'high'];

/** Announces the highest band held for confirmMs, if any, and asks to be woken when the next one would be. */
function confirm(state: News2RuleState, now: number, opts: Options, residentId: string): { state: News2RuleState; alarms: AlarmCommand[]; wakeAt: number | null } {
  const rising = state.rising ?? {};
  let top: News2Band | null = null;
  for (const band of BANDS) {
    const since = rising[band];
    if (since !== undefined && now - since >= opts.confirmMs) top = band;
  }
  const latest = state.latest;
  if (top === null || top === 'low' || !latest) {
    const pending = Object.values(rising);
    return { state, alarms: [], wakeAt: pending.length ? Math.min(...pending) + opts.confirmMs : null };
  }
  const previous = state.band;
  const from = previous === null ? '' : `, up from ${state.bandScore ?? state.score} (${previous})`;
  const held = opts.confirmMs > 0 ? `; in ${top} or higher for ${Math.round((now - rising[top]!) / 1000)} s` : '';
  const head = top === latest.band ? `NEWS2 ${latest.score} (${top})${from}` : `NEWS2 ${top}${from}, now ${latest.score} (${latest.band})`;
  const alarm: AlarmCommand = {
    op: 'raise',
    key: `news2-${top}:${residentId}`,
    type: `news2-${top}`,
    priority: opts.priorities[top as Exclude<News2Band, 'low'>],
    reason: `${head}: ${latest.text}${held}`,
    residentId,
    causeEventId: latest.causeEventId,
  };
  const left: Partial<Record<News2Band, number>> = {};
  for (const band of BANDS) if (RANK[band] > RANK[top] && rising[band] !== undefined) left[band] = rising[band];
  const pending = Object.values(left);
  return {
    state: { ...state, band: top, bandScore: latest.score, rising: left },
    alarms: [alarm],
    wakeAt: pending.length ? Math.min(...pending) + opts.confirmMs : null,
  };
}

