/**
 * NEWS2 scorer: every band edge of Chart 1 (RCP 2017), both SpO2 scales on air and on oxygen, the
 * rounding rule of docs/news2.md, the bands of Chart 3, the worked examples of the shared NEWS2
 * notes, and a property test against an independent implementation written here from the chart
 * as inclusive ranges.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import t from 'tap';
import {
  ACVPU,
  NEWS2_LIMITS,
  NEWS2_PARTS,
  News2Error,
  News2Input,
  news2Band,
  parseNews2Input,
  scoreNews2,
  scoreNews2Partial,
  type Acvpu,
  type News2Band,
  type News2Part,
  type News2Parts,
} from '../../../hub/vitals/news2.ts';
import { requirement } from '../../support/requirements.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const NEWS2_NOTES = join(repoRoot, '..', 'shared', 'data', 'news2', 'NEWS2.md');

/** All normal: every part scores 0 (Chart 1's middle column). */
const NORMAL: News2Input = { rr: 16, spo2: 97, scale: 1, o2: false, sbp: 120, hr: 70, acvpu: 'A', temp: 37.0 };
const ZERO: News2Parts = { rr: 0, spo2: 0, o2: 0, sbp: 0, hr: 0, acvpu: 0, temp: 0 };

// ---------------------------------------------------------------------------------------------
// Chart 1, one row per printed edge: [parameter, value, expected sub-score, context].
// ---------------------------------------------------------------------------------------------
type Edge = [key: 'rr' | 'spo2' | 'sbp' | 'hr' | 'temp', value: number, score: number, context?: { scale?: 1 | 2; o2?: boolean }];

const EDGES: Edge[] = [
  // respiration rate: ≤8 | 9–11 | 12–20 | 21–24 | ≥25
  ['rr', 8, 3], ['rr', 9, 1], ['rr', 11, 1], ['rr', 12, 0], ['rr', 20, 0], ['rr', 21, 2], ['rr', 24, 2], ['rr', 25, 3],
  // SpO2 scale 1 on air: ≤91 | 92–93 | 94–95 | ≥96
  ['spo2', 91, 3], ['spo2', 92, 2], ['spo2', 93, 2], ['spo2', 94, 1], ['spo2', 95, 1], ['spo2', 96, 0], ['spo2', 100, 0],
  // SpO2 scale 1 on oxygen: the same SpO2 scores (oxygen scores apart)
  ['spo2', 91, 3, { o2: true }], ['spo2', 92, 2, { o2: true }], ['spo2', 93, 2, { o2: true }], ['spo2', 94, 1, { o2: true }],
  ['spo2', 95, 1, { o2: true }], ['spo2', 96, 0, { o2: true }], ['spo2', 100, 0, { o2: true }],
  // SpO2 scale 2 on air: ≤83 | 84–85 | 86–87 | 88–92 | ≥93 on air scores 0
  ['spo2', 83, 3, { scale: 2 }], ['spo2', 84, 2, { scale: 2 }], ['spo2', 85, 2, { scale: 2 }], ['spo2', 86, 1, { scale: 2 }],
  ['spo2', 87, 1, { scale: 2 }], ['spo2', 88, 0, { scale: 2 }], ['spo2', 92, 0, { scale: 2 }], ['spo2', 93, 0, { scale: 2 }],
  ['spo2', 94, 0, { scale: 2 }], ['spo2', 95, 0, { scale: 2 }], ['spo2', 96, 0, { scale: 2 }], ['spo2', 97, 0, { scale: 2 }],
  ['spo2', 100, 0, { scale: 2 }],
  // SpO2 scale 2 on oxygen: ... 88–92 | 93–94 | 95–96 | ≥97
  ['spo2', 83, 3, { scale: 2, o2: true }], ['spo2', 84, 2, { scale: 2, o2: true }], ['spo2', 85, 2, { scale: 2, o2: true }],
  ['spo2', 86, 1, { scale: 2, o2: true }], ['spo2', 87, 1, { scale: 2, o2: true }], ['spo2', 88, 0, { scale: 2, o2: true }],
  ['spo2', 92, 0, { scale: 2, o2: true }], ['spo2', 93, 1, { scale: 2, o2: true }], ['spo2', 94, 1, { scale: 2, o2: true }],
  ['spo2', 95, 2, { scale: 2, o2: true }], ['spo2', 96, 2, { scale: 2, o2: true }], ['spo2', 97, 3, { scale: 2, o2: true }],
  ['spo2', 100, 3, { scale: 2, o2: true }],
  // systolic BP: ≤90 | 91–100 | 101–110 | 111–219 | ≥220 (no +1/+2 on the high side)
  ['sbp', 90, 3], ['sbp', 91, 2], ['sbp', 100, 2], ['sbp', 101, 1], ['sbp', 110, 1], ['sbp', 111, 0], ['sbp', 219, 0], ['sbp', 220, 3],
  // pulse: ≤40 | 41–50 | 51–90 | 91–110 | 111–130 | ≥131
  ['hr', 40, 3], ['hr', 41, 1], ['hr', 50, 1], ['hr', 51, 0], ['hr', 90, 0], ['hr', 91, 1], ['hr', 110, 1], ['hr', 111, 2], ['hr', 130, 2], ['hr', 131, 3],
  // temperature: ≤35.0 | 35.1–36.0 | 36.1–38.0 | 38.1–39.0 | ≥39.1 scores 2, not 3
  ['temp', 35.0, 3], ['temp', 35.1, 1], ['temp', 36.0, 1], ['temp', 36.1, 0], ['temp', 38.0, 0], ['temp', 38.1, 1], ['temp', 39.0, 1], ['temp', 39.1, 2],
  ['temp', 45, 2],
];

function expectedParts(key: News2Part, score: number, o2: boolean): News2Parts {
  return { ...ZERO, o2: o2 ? 2 : 0, [key]: score };
}

t.test('Chart 1: every printed band edge', async (t) => {
  for (const [key, value, score, context = {}] of EDGES) {
    const input: News2Input = { ...NORMAL, scale: context.scale ?? 1, o2: context.o2 ?? false, [key]: value };
    const result = scoreNews2(input);
    const label = `${key} ${value}${context.scale === 2 ? ' scale 2' : ''}${context.o2 ? ' on oxygen' : ''} scores ${score}`;
    t.same(result.parts, expectedParts(key, score, input.o2), label);
    t.equal(result.score, score + (input.o2 ? 2 : 0), `${label}: aggregate`);
  }
});

t.test('Chart 1: oxygen scores 2 on top of SpO2, and consciousness: new confusion scores 3 like V, P, U', async (t) => {
  t.same(scoreNews2({ ...NORMAL, o2: false }).parts, ZERO, 'air scores 0');
  t.same(scoreNews2({ ...NORMAL, o2: true }).parts, { ...ZERO, o2: 2 }, 'oxygen scores 2');
  const byLevel = Object.fromEntries(ACVPU.map((acvpu) => [acvpu, scoreNews2({ ...NORMAL, acvpu }).parts.acvpu]));
  t.same(byLevel, { A: 0, C: 3, V: 3, P: 3, U: 3 });
});

t.test('rounding rule: a value between two printed bands takes the more abnormal neighbour', async (t) => {
  const rows: Edge[] = [
    ['rr', 8.5, 3], ['rr', 11.5, 1], ['rr', 20.5, 2], ['rr', 24.5, 3], ['rr', 20.01, 2], ['rr', 11.99, 1],
    ['spo2', 91.5, 3], ['spo2', 93.5, 2], ['spo2', 95.5, 1], ['spo2', 95.99, 1],
    ['spo2', 87.5, 1, { scale: 2 }], ['spo2', 92.5, 0, { scale: 2 }], ['spo2', 92.5, 1, { scale: 2, o2: true }],
    ['spo2', 94.5, 2, { scale: 2, o2: true }], ['spo2', 96.5, 3, { scale: 2, o2: true }],
    ['sbp', 90.5, 3], ['sbp', 100.5, 2], ['sbp', 110.5, 1], ['sbp', 219.5, 3],
    ['hr', 40.5, 3], ['hr', 50.5, 1], ['hr', 90.5, 1], ['hr', 110.5, 2], ['hr', 130.5, 3],
    ['temp', 35.05, 3], ['temp', 36.05, 1], ['temp', 38.05, 1], ['temp', 39.05, 2], ['temp', 36.09, 1], ['temp', 38.01, 1],
  ];
  for (const [key, value, score, context = {}] of rows) {
    const input: News2Input = { ...NORMAL, scale: context.scale ?? 1, o2: context.o2 ?? false, [key]: value };
    t.equal(scoreNews2(input).parts[key], score, `${key} ${value}${context.scale === 2 ? ' scale 2' : ''}${context.o2 ? ' on oxygen' : ''} scores ${score}`);
  }
  // Values on the chart's own resolution are not touched by the rule: the printed 0.1 °C steps,
  // written as a device computing tenths would, land where the chart puts them.
  t.equal(scoreNews2({ ...NORMAL, temp: 361 / 10 }).parts.temp, 0, '361/10 is 36.1');
  t.equal(scoreNews2({ ...NORMAL, temp: 380 / 10 }).parts.temp, 0, '380/10 is 38.0');
  t.equal(scoreNews2({ ...NORMAL, temp: 351 / 10 }).parts.temp, 1, '351/10 is 35.1');
});

t.test('Chart 3: bands, red score and its configurable mapping', async (t) => {
  const rows: [score: number, parts: Partial<News2Parts>, band: News2Band][] = [
    [0, ZERO, 'low'],
    [4, { ...ZERO, rr: 2, hr: 2 }, 'low'],
    [3, { ...ZERO, spo2: 1, o2: 2 }, 'low'], // 3 points, but no single parameter scores 3
    [3, { ...ZERO, acvpu: 3 }, 'low-medium'],
    [4, { ...ZERO, temp: 1, sbp: 3 }, 'low-medium'],
    [5, { ...ZERO, rr: 2, spo2: 2, hr: 1 }, 'medium'],
    [5, { ...ZERO, rr: 3, spo2: 2 }, 'medium'], // a red score with 5–6 is medium, not low-medium
    [6, { ...ZERO, rr: 3, hr: 3 }, 'medium'],
    [7, { ...ZERO, rr: 3, hr: 2, sbp: 2 }, 'high'],
    [20, { rr: 3, spo2: 3, o2: 2, sbp: 3, hr: 3, acvpu: 3, temp: 3 }, 'high'],
  ];
  for (const [score, parts, band] of rows) t.equal(news2Band(score, parts), band, `${score} with ${JSON.stringify(parts)} is ${band}`);
  t.equal(news2Band(3, { ...ZERO, acvpu: 3 }, { redScore: 'medium' }), 'medium', 'red score mapped to medium when configured');
  t.equal(news2Band(4, { ...ZERO, rr: 2, hr: 2 }, { redScore: 'medium' }), 'low', 'no red score: still low');
  t.equal(scoreNews2({ ...NORMAL, acvpu: 'C' }, { redScore: 'medium' }).band, 'medium', 'the scorer passes the option on');
});

// ---------------------------------------------------------------------------------------------
// Worked examples.
// ---------------------------------------------------------------------------------------------
interface WorkedExample {
  name: string;
  input: News2Input;
  parts: News2Parts;
  total: number;
  band: News2Band;
}

/**
 * Table C of the shared NEWS2 notes (examples derived from Charts 1/3): `| case | inputs | parts
 * | total | band |`. Inputs left out ("…", "…normal") are the all-normal row's; some rows name
 * their inputs only in the case column ("SpO2 90 % on air, Scale 2").
 */
function parseWorkedExamples(markdown: string): WorkedExample[] {
  const section = markdown.split(/^### /m).find((s) => s.startsWith('C.'));
  if (!section) throw new Error('no "### C." section');
  const rows = section.split('\n').filter((line) => line.startsWith('|') && !/^\|\s*(case|---)/.test(line));
  return rows.map((row) => {
    const [name, inputs, partsText, totalText, bandText] = row.split('|').slice(1, -1).map((cell) => cell.replaceAll('**', '').trim()) as [string, string, string, string, string];
    const both = `${inputs} | ${name}`;
    const num = (re: RegExp, text = both) => {
      const m = re.exec(text);
      return m ? Number(m[1]) : undefined;
    };
    const acvpu = /(?:^|,\s*)([ACVPU]),/.exec(inputs)?.[1] as Acvpu | undefined;
    const input: News2Input = {
      rr: num(/\bRR (\d+)/) ?? NORMAL.rr,
      spo2: num(/(\d+) ?%/) ?? NORMAL.spo2,
      scale: (num(/\bS(?:cale )?([12])\b/) ?? NORMAL.scale) as 1 | 2,
      o2: /\bO2\b|oxygen/.test(both) ? true : NORMAL.o2,
      sbp: num(/\bSBP (\d+)/) ?? NORMAL.sbp,
      hr: num(/\bHR (\d+)/) ?? NORMAL.hr,
      acvpu: acvpu ?? NORMAL.acvpu,
      temp: num(/(\d\d\.\d)\s*$/, inputs) ?? num(/temperature (\d\d\.\d)/, name) ?? NORMAL.temp,
    };
    const partValues = partsText.split('/').map(Number);
    if (partValues.length !== 7 || partValues.some((n) => !Number.isInteger(n))) throw new Error(`bad parts in row ${row}`);
    const parts = Object.fromEntries(NEWS2_PARTS.map((key, i) => [key, partValues[i]])) as News2Parts;
    const band: News2Band = /low[–-]medium|^red score/.test(bandText) ? 'low-medium' : (/^(low|medium|high)\b/.exec(bandText)?.[1] as News2Band);
    return { name, input, parts, total: Number(totalText), band };
  });
}

const notesSkip = requirement('the shared NEWS2 notes (../shared/data/news2/NEWS2.md)', existsSync(NEWS2_NOTES), 'the shared test data folder next to the repository');

t.test('worked examples of the shared NEWS2 notes (table C, derived from RCP Charts 1 and 3)', { skip: notesSkip }, async (t) => {
  const examples = parseWorkedExamples(readFileSync(NEWS2_NOTES, 'utf8'));
  t.equal(examples.length, 16, 'all 16 rows read');
  for (const example of examples) {
    t.equal(Object.values(example.parts).reduce((a, b) => a + b, 0), example.total, `${example.name}: the table's parts add up`);
    const result = scoreNews2(example.input);
    t.same(result, { score: example.total, band: example.band, parts: example.parts }, `${example.name}: ${JSON.stringify(example.input)}`);
  }
  const byName = new Map(examples.map((e) => [e.name, e]));
  // Spot checks that the parser read what the rows say, not the all-normal defaults.
  t.match(byName.get('maximum')?.input, { rr: 6, spo2: 80, o2: true, sbp: 85, hr: 35, acvpu: 'U', temp: 34.0 });
  t.match(byName.get('SpO2 90 % on air, Scale 2')?.input, { spo2: 90, scale: 2, o2: false });
  t.match(byName.get('deteriorating resident')?.input, { rr: 24, spo2: 93, o2: true, sbp: 98, hr: 118, acvpu: 'C', temp: 38.6 });
});

t.test('a published example with a known error is not copied (Welsh ED FHIR IG, example A)', async (t) => {
  // SynaneticsLtd/emergency-department-ig publishes these inputs with temperature 1 and total 6;
  // 37.5 °C lies in 36.1–38.0 on Chart 1 and scores 0, so the total is 5 (still medium).
  const result = scoreNews2({ rr: 21, spo2: 93, scale: 1, o2: false, sbp: 120, hr: 95, acvpu: 'A', temp: 37.5 });
  t.same(result, { score: 5, band: 'medium', parts: { rr: 2, spo2: 2, o2: 0, sbp: 0, hr: 1, acvpu: 0, temp: 0 } });
});

t.test('divergences of other implementations are not repeated', async (t) => {
  // Scale 2 on air: ≥93 % scores 0 (one open-source suite scores 1/2/3 on air too).
  t.same([93, 95, 97].map((spo2) => scoreNews2({ ...NORMAL, scale: 2, o2: false, spo2 }).parts.spo2), [0, 0, 0]);
  // Aggregate 3–4 with no red score is low, a red score is low-medium, never high.
  t.equal(scoreNews2({ ...NORMAL, rr: 22, hr: 95 }).band, 'low');
  t.equal(scoreNews2({ ...NORMAL, rr: 25 }).band, 'low-medium');
  // RR 9–11 scores 1 (not 2); pulse 91–110 scores 1 (not 2).
  t.equal(scoreNews2({ ...NORMAL, rr: 10 }).parts.rr, 1);
  t.equal(scoreNews2({ ...NORMAL, hr: 100 }).parts.hr, 1);
});

// ---------------------------------------------------------------------------------------------
// Input schema.
// ---------------------------------------------------------------------------------------------
t.test('schema: each missing key is named', async (t) => {
  for (const key of Object.keys(NORMAL) as (keyof News2Input)[]) {
    const { [key]: _, ...rest } = NORMAL;
    const parsed = parseNews2Input(rest);
    t.same(parsed, { ok: false, issues: [{ key, message: 'missing' }] }, `without ${key}`);
  }
});

t.test('schema: ranges are inclusive; outside them the key is named', async (t) => {
  // The ranges docs/news2.md states, written out here so a change to them must be deliberate.
  const documented: [key: keyof typeof NEWS2_LIMITS, min: number, max: number][] = [['rr', 0, 80], ['spo2', 0, 100], ['sbp', 0, 300], ['hr', 0, 300], ['temp', 25, 45]];
  t.same(Object.keys(NEWS2_LIMITS), documented.map(([key]) => key), 'every measured key has a range');
  for (const [key, min, max] of documented) {
    t.ok(parseNews2Input({ ...NORMAL, [key]: min }).ok, `${key} ${min} accepted`);
    t.ok(parseNews2Input({ ...NORMAL, [key]: max }).ok, `${key} ${max} accepted`);
    for (const bad of [min - 0.1, max + 0.1]) {
      const parsed = parseNews2Input({ ...NORMAL, [key]: bad });
      t.match(parsed, { ok: false, issues: [{ key, message: /out of range/ }] }, `${key} ${bad} refused`);
    }
  }
});

t.test('schema: wrong types, unknown keys, every problem at once in chart order', async (t) => {
  t.same(parseNews2Input({ ...NORMAL, scale: 3 }), { ok: false, issues: [{ key: 'scale', message: 'must be 1 or 2' }] });
  t.same(parseNews2Input({ ...NORMAL, acvpu: 'a' }), { ok: false, issues: [{ key: 'acvpu', message: 'must be one of A, C, V, P, U' }] });
  t.same(parseNews2Input({ ...NORMAL, o2: 'yes' }), { ok: false, issues: [{ key: 'o2', message: 'must be true (oxygen) or false (air)' }] });
  t.same(parseNews2Input({ ...NORMAL, rr: '16' }), { ok: false, issues: [{ key: 'rr', message: 'must be a number (/min)' }] });
  t.same(parseNews2Input({ ...NORMAL, spO2: 97 }), { ok: false, issues: [{ key: 'spO2', message: 'unknown key' }] });
  const { hr: _, ...noHr } = NORMAL;
  const many = parseNews2Input({ ...noHr, temp: 50, rr: -1 });
  t.same(many.ok ? [] : many.issues.map((i) => i.key), ['rr', 'hr', 'temp']);
  t.match(parseNews2Input([1]), { ok: false, issues: [{ key: '(input)' }] });
  t.match(parseNews2Input(null), { ok: false, issues: [{ key: '(input)' }] });
});

// ---------------------------------------------------------------------------------------------
// Partial scoring, for the edge rule.
// ---------------------------------------------------------------------------------------------
t.test('partial: a missing parameter is reported, never scored as 0', async (t) => {
  const result = scoreNews2Partial({ scale: 1, rr: 25, hr: 120 });
  t.same(result, { parts: { rr: 3, hr: 2 }, missing: ['spo2', 'o2', 'sbp', 'acvpu', 'temp'], pending: [], minScore: 5, score: null, band: null });
  t.same(scoreNews2Partial({ scale: 1 }).missing, NEWS2_PARTS, 'nothing known: everything missing');
  const complete = scoreNews2Partial({ ...NORMAL, acvpu: 'V' });
  t.match(complete, { missing: [], pending: [], score: 3, minScore: 3, band: 'low-medium' });
  // A value that is not a finite number (a caller that skipped the schema) is missing, not 0.
  t.same(scoreNews2Partial({ ...NORMAL, temp: Number.NaN }).missing, ['temp']);
  t.throws(() => scoreNews2({ ...NORMAL, temp: Number.NaN }), News2Error);
  t.throws(() => scoreNews2({ ...NORMAL, rr: Number.POSITIVE_INFINITY }), { code: 'NEWS2_INCOMPLETE', missing: ['rr'] });
});

t.test('partial: SpO2 on scale 2 waits for air or oxygen only where they change its score', async (t) => {
  t.same(scoreNews2Partial({ scale: 2, spo2: 95 }), { parts: {}, missing: ['rr', 'o2', 'sbp', 'hr', 'acvpu', 'temp'], pending: ['spo2'], minScore: 0, score: null, band: null });
  t.same(scoreNews2Partial({ scale: 2, spo2: 92.5 }).pending, ['spo2'], '92.5 scores 0 on air but 1 on oxygen');
  t.same(scoreNews2Partial({ scale: 2, spo2: 92 }).parts, { spo2: 0 }, '92 scores 0 either way');
  t.same(scoreNews2Partial({ scale: 2, spo2: 85 }).parts, { spo2: 2 });
  t.same(scoreNews2Partial({ scale: 1, spo2: 93 }).parts, { spo2: 2 }, 'scale 1 never depends on oxygen');
});

// ---------------------------------------------------------------------------------------------
// Property test against an independent implementation: Chart 1 as inclusive ranges on the
// chart's own resolution; a value that falls in no range lies between two printed bands and
// takes the higher score of its two neighbours (docs/news2.md, "Rounding rule").
// ---------------------------------------------------------------------------------------------
type Range = readonly [lo: number, hi: number, score: number];
const INF = Number.POSITIVE_INFINITY;
const REFERENCE: Record<string, readonly Range[]> = {
  rr: [[-INF, 8, 3], [9, 11, 1], [12, 20, 0], [21, 24, 2], [25, INF, 3]],
  spo2_1: [[-INF, 91, 3], [92, 93, 2], [94, 95, 1], [96, INF, 0]],
  spo2_2_air: [[-INF, 83, 3], [84, 85, 2], [86, 87, 1], [88, 92, 0], [93, INF, 0]],
  spo2_2_o2: [[-INF, 83, 3], [84, 85, 2], [86, 87, 1], [88, 92, 0], [93, 94, 1], [95, 96, 2], [97, INF, 3]],
  sbp: [[-INF, 90, 3], [91, 100, 2], [101, 110, 1], [111, 219, 0], [220, INF, 3]],
  hr: [[-INF, 40, 3], [41, 50, 1], [51, 90, 0], [91, 110, 1], [111, 130, 2], [131, INF, 3]],
  temp: [[-INF, 35.0, 3], [35.1, 36.0, 1], [36.1, 38.0, 0], [38.1, 39.0, 1], [39.1, INF, 2]],
};

function referenceScore(ranges: readonly Range[], value: number): number {
  const inside = ranges.find(([lo, hi]) => value >= lo && value <= hi);
  if (inside) return inside[2];
  const below = ranges.filter(([, hi]) => hi < value).at(-1)!;
  const above = ranges.find(([lo]) => lo > value)!;
  return Math.max(below[2], above[2]);
}

function referenceNews2(input: News2Input): { score: number; band: News2Band; parts: News2Parts } {
  const spo2Table = input.scale === 1 ? 'spo2_1' : input.o2 ? 'spo2_2_o2' : 'spo2_2_air';
  const parts: News2Parts = {
    rr: referenceScore(REFERENCE.rr!, input.rr),
    spo2: referenceScore(REFERENCE[spo2Table]!, input.spo2),
    o2: input.o2 ? 2 : 0,
    sbp: referenceScore(REFERENCE.sbp!, input.sbp),
    hr: referenceScore(REFERENCE.hr!, input.hr),
    acvpu: { A: 0, C: 3, V: 3, P: 3, U: 3 }[input.acvpu],
    temp: referenceScore(REFERENCE.temp!, input.temp),
  };
  const score = parts.rr + parts.spo2 + parts.o2 + parts.sbp + parts.hr + parts.acvpu + parts.temp;
  const red = [parts.rr, parts.spo2, parts.sbp, parts.hr, parts.acvpu, parts.temp].includes(3);
  const band: News2Band = score >= 7 ? 'high' : score >= 5 ? 'medium' : red ? 'low-medium' : 'low';
  return { score, band, parts };
}

/** The printed edges of a parameter's ranges, each with the values just beside it. */
function nearEdges(tables: readonly (readonly Range[])[], min: number, max: number): number[] {
  const edges = tables.flatMap((ranges) => ranges.flatMap(([lo, hi]) => [lo, hi])).filter(Number.isFinite);
  return [...new Set(edges.flatMap((edge) => [edge - 0.5, edge - 0.05, edge, edge + 0.05, edge + 0.5]))].filter((v) => v >= min && v <= max);
}

/** A value at or beside a printed edge, on the chart's grid (integers, or tenths for temperature), or anywhere in the range. */
function measurement(key: keyof typeof NEWS2_LIMITS, step: number, tables: readonly (readonly Range[])[]): fc.Arbitrary<number> {
  const { min, max } = NEWS2_LIMITS[key];
  return fc.oneof(
    fc.constantFrom(...nearEdges(tables, min, max)),
    fc.integer({ min: Math.round(min / step), max: Math.round(max / step) }).map((n) => (step === 1 ? n : n / Math.round(1 / step))),
    fc.double({ min, max, noNaN: true }),
  );
}

const anyInput: fc.Arbitrary<News2Input> = fc.record({
  rr: measurement('rr', 1, [REFERENCE.rr!]),
  spo2: measurement('spo2', 1, [REFERENCE.spo2_1!, REFERENCE.spo2_2_o2!]),
  scale: fc.constantFrom(1 as const, 2 as const),
  o2: fc.boolean(),
  sbp: measurement('sbp', 1, [REFERENCE.sbp!]),
  hr: measurement('hr', 1, [REFERENCE.hr!]),
  acvpu: fc.constantFrom(...ACVPU),
  temp: measurement('temp', 0.1, [REFERENCE.temp!]),
});

t.test('property: the scorer agrees with the independent range-list implementation', async (t) => {
  const details = fc.check(
    fc.property(anyInput, (input) => {
      if (!News2Input.safeParse(input).success) throw new Error(`generated an invalid input ${JSON.stringify(input)}`);
      const got = scoreNews2(input);
      const want = referenceNews2(input);
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${JSON.stringify(input)}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      return got.score >= 0 && got.score <= 20;
    }),
    { numRuns: 3000 },
  );
  t.notOk(details.failed, fc.defaultReportMessage(details) ?? 'no counterexample');
  t.equal(details.numRuns, 3000, 'all runs done');
});

t.test('property: partial scoring never scores an absent parameter and never exceeds the full score', async (t) => {
  const details = fc.check(
    fc.property(anyInput, fc.subarray(NEWS2_PARTS as unknown as News2Part[]), (input, absent) => {
      const partial: Record<string, unknown> = { ...input };
      for (const key of absent) delete partial[key];
      const result = scoreNews2Partial(partial as Parameters<typeof scoreNews2Partial>[0]);
      const full = scoreNews2(input);
      const unscored = [...result.missing, ...result.pending].sort();
      if (JSON.stringify(result.missing) !== JSON.stringify(NEWS2_PARTS.filter((k) => absent.includes(k)))) throw new Error(`missing ${String(result.missing)} for absent ${String(absent)}`);
      for (const key of unscored) if (key in result.parts) throw new Error(`${key} scored though absent`);
      for (const [key, part] of Object.entries(result.parts)) if (full.parts[key as News2Part] !== part) throw new Error(`${key}: ${part} vs ${full.parts[key as News2Part]}`);
      if (absent.length === 0 && (result.score !== full.score || result.band !== full.band)) throw new Error('complete input: same score and band');
      return result.minScore <= full.score && (absent.length > 0) === (result.score === null);
    }),
    { numRuns: 1000 },
  );
  t.notOk(details.failed, fc.defaultReportMessage(details) ?? 'no counterexample');
  t.equal(details.numRuns, 1000, 'all runs done');
});
