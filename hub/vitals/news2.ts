/**
 * NEWS2, the National Early Warning Score 2 (Royal College of Physicians, 2017): the aggregate
 * score of seven parameters and its clinical-risk band. Pure: no I/O, no clock, no logger.
 * docs/news2.md has the chart, the rounding rule for values between printed bands, the input
 * ranges and how the edge rule is meant to use the partial scorer.
 *
 * Adults (16 and over) only: the RCP report excludes children and pregnancy.
 */
import { z } from 'zod';

/** The seven chart parameters, in chart order; also the keys of `parts` and of the CLI output. */
export const NEWS2_PARTS = ['rr', 'spo2', 'o2', 'sbp', 'hr', 'acvpu', 'temp'] as const;
export type News2Part = (typeof NEWS2_PARTS)[number];
export type News2Parts = Record<News2Part, number>;

export const ACVPU = ['A', 'C', 'V', 'P', 'U'] as const;
export type Acvpu = (typeof ACVPU)[number];

export type News2Band = 'low' | 'low-medium' | 'medium' | 'high';

/**
 * Plausible measurement ranges. A value outside is a device or typing error, not a vital sign,
 * and is refused by the schema; inside, every value is scored (0 breaths/min or 0 beats/min are
 * real emergencies and score 3). Inclusive.
 */
export const NEWS2_LIMITS = {
  rr: { min: 0, max: 80, unit: '/min' },
  spo2: { min: 0, max: 100, unit: '%' },
  sbp: { min: 0, max: 300, unit: 'mmHg' },
  hr: { min: 0, max: 300, unit: '/min' },
  temp: { min: 25, max: 45, unit: '°C' },
} as const;

type Measured = keyof typeof NEWS2_LIMITS;

function measured(key: Measured) {
  const { min, max, unit } = NEWS2_LIMITS[key];
  const outOfRange = (iss: { input?: unknown }) => `${String(iss.input)} is out of range (${min} to ${max} ${unit})`;
  return z
    .number({ error: (iss) => (iss.input === undefined ? 'missing' : `must be a number (${unit})`) })
    .min(min, { error: outOfRange })
    .max(max, { error: outOfRange })
    .describe(`${key} in ${unit}, ${min} to ${max}`);
}

const missingOr = (message: string) => (iss: { input?: unknown }) => (iss.input === undefined ? 'missing' : message);

/** One complete NEWS2 observation set: every key required, nothing else allowed. */
export const News2Input = z.strictObject({
  /** Respiration rate, breaths per minute. */
  rr: measured('rr'),
  /** Oxygen saturation, %. */
  spo2: measured('spo2'),
  /** SpO2 scale: 2 only for confirmed hypercapnic respiratory failure with a prescribed 88–92 % target (a clinical decision), else 1. */
  scale: z.union([z.literal(1), z.literal(2)], { error: missingOr('must be 1 or 2') }),
  /** True on supplemental oxygen, false on air. */
  o2: z.boolean({ error: missingOr('must be true (oxygen) or false (air)') }),
  /** Systolic blood pressure, mmHg. */
  sbp: measured('sbp'),
  /** Pulse, beats per minute. */
  hr: measured('hr'),
  /** Alert, new Confusion, Voice, Pain, Unresponsive. */
  acvpu: z.enum(ACVPU, { error: missingOr(`must be one of ${ACVPU.join(', ')}`) }),
  /** Temperature, °C. */
  temp: measured('temp'),
});
export type News2Input = z.infer<typeof News2Input>;

/**
 * What the edge rule has at a given moment: the latest value of each parameter within its
 * window, any of them absent. The scale is the resident's setting (default 1), so it is required.
 */
export const News2PartialInput = News2Input.partial().required({ scale: true });
export type News2PartialInput = z.infer<typeof News2PartialInput>;

/**
 * Where a red score (a single parameter scoring 3 with an aggregate of 0–4) lands. The RCP chart
 * calls it low–medium (urgent ward-based response); some services treat it as medium.
 */
export const News2Options = z.strictObject({
  redScore: z
    .enum(['low-medium', 'medium'])
    .default('low-medium')
    .describe('band of a single parameter scoring 3 when the aggregate is 0–4 (RCP chart 3: low-medium)'),
});
export type News2Options = z.input<typeof News2Options>;

export interface News2Result {
  score: number;
  band: News2Band;
  parts: News2Parts;
}

export interface News2PartialResult {
  /** Sub-scores of the parameters that could be scored. */
  parts: Partial<News2Parts>;
  /** Parameters with no value: reported, never scored as 0. */
  missing: News2Part[];
  /** Parameters with a value that cannot be scored until a missing one arrives (SpO2 above 92 % on scale 2 needs air or oxygen). */
  pending: News2Part[];
  /** Sum of `parts`: the full score is at least this much whatever the missing values are. */
  minScore: number;
  /** The aggregate and band when every part is scored, else null. */
  score: number | null;
  band: News2Band | null;
}

export type News2InputIssue = { key: string; message: string };
export type News2ParseResult = { ok: true; value: News2Input } | { ok: false; issues: News2InputIssue[] };

/**
 * Validates one observation set, naming the key of each problem (`rr: missing`,
 * `temp: 47 is out of range (25 to 45 °C)`, `foo: unknown key`), every problem at once, in
 * chart order.
 */
export function parseNews2Input(input: unknown): News2ParseResult {
  const parsed = News2Input.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues: News2InputIssue[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ key, message: 'unknown key' });
    } else if (issue.path.length === 0) {
      issues.push({ key: '(input)', message: 'expected a JSON object' });
    } else {
      issues.push({ key: String(issue.path[0]), message: issue.message });
    }
  }
  const order = (key: string) => {
    const i = (Object.keys(News2Input.shape) as string[]).indexOf(key);
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  issues.sort((a, b) => order(a.key) - order(b.key));
  return { ok: false, issues };
}

/**
 * Chart 1 as cut-offs. `low`: a value below `under` scores `score` (most abnormal first); `high`:
 * a value above `over` scores `score` (most abnormal first); anything else scores 0. `under` is
 * the first printed value of the next band towards normal, `over` the last printed value of the
 * previous band: on the chart's own resolution (integers; 0.1 °C) this is exactly the chart, and
 * a value between two printed bands (20.5 /min, 36.05 °C) takes the more abnormal of the two
 * neighbours (docs/news2.md, "Rounding rule"). No arithmetic on the value, so no floating-point rounding.
 */
interface Cutoffs {
  low: readonly (readonly [under: number, score: number])[];
  high: readonly (readonly [over: number, score: number])[];
}

// [RCP 2017 chart 1] respiration rate: ≤8 → 3, 9–11 → 1, 12–20 → 0, 21–24 → 2, ≥25 → 3
const RR: Cutoffs = { low: [[9, 3], [12, 1]], high: [[24, 3], [20, 2]] };
// [RCP 2017 chart 1] SpO2 scale 1: ≤91 → 3, 92–93 → 2, 94–95 → 1, ≥96 → 0
const SPO2_SCALE_1: Cutoffs = { low: [[92, 3], [94, 2], [96, 1]], high: [] };
// [RCP 2017 chart 1] SpO2 scale 2: ≤83 → 3, 84–85 → 2, 86–87 → 1, 88–92 → 0, ≥93 on air → 0
const SPO2_SCALE_2_AIR: Cutoffs = { low: [[84, 3], [86, 2], [88, 1]], high: [] };
// [RCP 2017 chart 1] ... and on oxygen 93–94 → 1, 95–96 → 2, ≥97 → 3
const SPO2_SCALE_2_OXYGEN: Cutoffs = { low: SPO2_SCALE_2_AIR.low, high: [[96, 3], [94, 2], [92, 1]] };
// [RCP 2017 chart 1] systolic BP: ≤90 → 3, 91–100 → 2, 101–110 → 1, 111–219 → 0, ≥220 → 3 (no +1/+2 on the high side)
const SBP: Cutoffs = { low: [[91, 3], [101, 2], [111, 1]], high: [[219, 3]] };
// [RCP 2017 chart 1] pulse: ≤40 → 3, 41–50 → 1, 51–90 → 0, 91–110 → 1, 111–130 → 2, ≥131 → 3
const HR: Cutoffs = { low: [[41, 3], [51, 1]], high: [[130, 3], [110, 2], [90, 1]] };
// [RCP 2017 chart 1] temperature: ≤35.0 → 3, 35.1–36.0 → 1, 36.1–38.0 → 0, 38.1–39.0 → 1, ≥39.1 → 2 (not 3)
const TEMP: Cutoffs = { low: [[35.1, 3], [36.1, 1]], high: [[39.0, 2], [38.0, 1]] };

function byCutoffs(value: number, cutoffs: Cutoffs): number {
  for (const [under, score] of cutoffs.low) if (value < under) return score;
  for (const [over, score] of cutoffs.high) if (value > over) return score;
  return 0;
}

/** Highest SpO2 (%) on scale 2 that scores the same on air and on oxygen. */
const SCALE_2_AIR_OXYGEN_SAME_UP_TO = 92;

function scoreSpo2(spo2: number, scale: 1 | 2, o2: boolean): number {
  if (scale === 1) return byCutoffs(spo2, SPO2_SCALE_1);
  // [RCP 2017 chart 1] scale 2: ≥93 % scores 0 on air; only on oxygen does high SpO2 score
  return byCutoffs(spo2, o2 ? SPO2_SCALE_2_OXYGEN : SPO2_SCALE_2_AIR);
}

/** [RCP 2017 chart 1] supplemental oxygen is its own parameter and scores 2, on top of the SpO2 score. */
const scoreOxygen = (o2: boolean) => (o2 ? 2 : 0);

/** [RCP 2017 chart 1] new confusion scores 3, the same as V, P or U. */
const scoreAcvpu = (acvpu: Acvpu) => (acvpu === 'A' ? 0 : 3);

/**
 * The clinical-risk band of an aggregate score [RCP 2017 chart 3]: 7+ high, 5–6 medium, 0–4 low,
 * except that a single parameter scoring 3 with an aggregate of 0–4 is a red score (low-medium,
 * or medium with `redScore: 'medium'`).
 */
export function news2Band(score: number, parts: Partial<News2Parts>, options: News2Options = {}): News2Band {
  if (score >= 7) return 'high';
  if (score >= 5) return 'medium';
  if (Object.values(parts).some((part) => part === 3)) return options.redScore ?? 'low-medium';
  return 'low';
}

/** A number the scorer can use: NaN or infinity (from a caller that skipped the schema) counts as missing, never as 0. */
const usable = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);

/** Scores what is there and reports what is not; the edge rule's entry point. */
export function scoreNews2Partial(input: News2PartialInput, options: News2Options = {}): News2PartialResult {
  const { rr, spo2, scale, o2, sbp, hr, acvpu, temp } = input;
  const parts: Partial<News2Parts> = {};
  const pending: News2Part[] = [];
  if (usable(rr)) parts.rr = byCutoffs(rr, RR);
  if (usable(spo2)) {
    if (o2 !== undefined) parts.spo2 = scoreSpo2(spo2, scale, o2);
    else if (scale === 1 || spo2 <= SCALE_2_AIR_OXYGEN_SAME_UP_TO) parts.spo2 = scoreSpo2(spo2, scale, false);
    else pending.push('spo2');
  }
  if (o2 !== undefined) parts.o2 = scoreOxygen(o2);
  if (usable(sbp)) parts.sbp = byCutoffs(sbp, SBP);
  if (usable(hr)) parts.hr = byCutoffs(hr, HR);
  if (acvpu !== undefined) parts.acvpu = scoreAcvpu(acvpu);
  if (usable(temp)) parts.temp = byCutoffs(temp, TEMP);
  const missing = NEWS2_PARTS.filter((key) => parts[key] === undefined && !pending.includes(key));
  const minScore = Object.values(parts).reduce((sum, part) => sum + part, 0);
  const complete = missing.length === 0 && pending.length === 0;
  return { parts, missing, pending, minScore, score: complete ? minScore : null, band: complete ? news2Band(minScore, parts, options) : null };
}

export class News2Error extends Error {
  readonly code = 'NEWS2_INCOMPLETE';
  constructor(readonly missing: readonly News2Part[]) {
    super(`NEWS2 needs every parameter; missing or not a finite number: ${missing.join(', ')} (validate with News2Input first)`);
    this.name = 'News2Error';
  }
}

/**
 * The aggregate score (0–20), its band and the seven sub-scores (in chart order) of one complete
 * observation set, validated with `News2Input`. Throws `News2Error` if a part is absent or not a
 * finite number, which the schema rules out.
 */
export function scoreNews2(input: News2Input, options: News2Options = {}): News2Result {
  const partial = scoreNews2Partial(input, options);
  if (partial.score === null || partial.band === null) throw new News2Error([...partial.missing, ...partial.pending]);
  const parts = Object.fromEntries(NEWS2_PARTS.map((key) => [key, partial.parts[key]])) as News2Parts;
  return { score: partial.score, band: partial.band, parts };
}
