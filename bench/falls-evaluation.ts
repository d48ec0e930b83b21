/**
 * Measuring the fall detector on SisFall trials (docs/fall-detection.md): per-trial decisions,
 * sensitivity/specificity, a grid search for tuning and leave-one-subject-out cross-validation.
 * Shared by `npm run bench:falls` and the falls test; reads files only in `loadSisFallSample`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFallDetector, FallDetectorOptions, type FallEvent } from '../hub/falls/fall-detector.ts';
import { parseSisFall } from '../hub/falls/sisfall.ts';

export interface Trial {
  /** Path relative to the data set folder, e.g. SA01/F01_SA01_R01.txt. */
  file: string;
  subject: string;
  code: string;
  fall: boolean;
  /** ADXL345 acceleration in g, interleaved x, y, z. */
  adxl: Float64Array;
  /** MMA8451Q acceleration in g (the same motion seen by a second, ±8 g sensor), interleaved x, y, z. */
  mma: Float64Array;
}

/** Reads labels.csv and every trial it lists (both accelerometers; the gyroscope is not used). */
export function loadSisFallSample(dir: string): Trial[] {
  const lines = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`labels.csv has no column ${name}`);
    return i;
  };
  const [fileCol, subjectCol, codeCol, labelCol] = [col('file'), col('subject'), col('code'), col('label')];
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const file = cells[fileCol]!;
    const { adxl, mma } = parseSisFall(readFileSync(join(dir, file), 'utf8'));
    return { file, subject: cells[subjectCol]!, code: cells[codeCol]!, fall: cells[labelCol] === 'fall', adxl, mma };
  });
}

/** Runs a fresh detector over one trial; the first fall it reports, or null. */
export function detectInTrial(adxl: Float64Array, options: FallDetectorOptions): FallEvent | null {
  const detector = createFallDetector(options);
  for (let i = 0; i < adxl.length; i += 3) {
    const event = detector.push(adxl[i]!, adxl[i + 1]!, adxl[i + 2]!);
    if (event) return event;
  }
  return null;
}

export interface Scores {
  falls: number;
  adls: number;
  truePositives: number;
  trueNegatives: number;
  sensitivity: number;
  specificity: number;
  accuracy: number;
  /** Trials decided wrongly (missed falls and false alarms). */
  wrong: string[];
}

export function score(trials: readonly Trial[], decisions: readonly boolean[]): Scores {
  let falls = 0;
  let truePositives = 0;
  let trueNegatives = 0;
  const wrong: string[] = [];
  trials.forEach((trial, i) => {
    if (trial.fall) falls++;
    if (decisions[i] === trial.fall) {
      if (trial.fall) truePositives++;
      else trueNegatives++;
    } else wrong.push(trial.file);
  });
  const adls = trials.length - falls;
  return {
    falls,
    adls,
    truePositives,
    trueNegatives,
    // NaN where a fold has no trial of that class (elderly subjects did no falls)
    sensitivity: truePositives / falls,
    specificity: trueNegatives / adls,
    accuracy: (truePositives + trueNegatives) / trials.length,
    wrong,
  };
}

/** Options the grid search varies; everything else stays at the detector's defaults. */
export interface Grid {
  impactG: readonly number[];
  lyingDeg: readonly number[];
  lyingHoldS: readonly number[];
}

export type Candidate = { impactG: number; lyingDeg: number; lyingHoldS: number };

/** A small grid around physically plausible values: impacts 1.6–3 g, lying 50–70°, 0.5–3 s down. */
export const DEFAULT_GRID: Grid = {
  impactG: [1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.8, 3.0],
  lyingDeg: [50, 55, 60, 65, 70],
  lyingHoldS: [0.5, 1, 1.5, 2, 2.5, 3],
};

/** Every grid point with its decision for every trial, computed once and shared by all folds. */
export function decideGrid(trials: readonly Trial[], grid: Grid): { candidates: Candidate[]; index: number[][]; decisions: boolean[][] } {
  const candidates: Candidate[] = [];
  const index: number[][] = [];
  const decisions: boolean[][] = [];
  grid.impactG.forEach((impactG, i) =>
    grid.lyingDeg.forEach((lyingDeg, j) =>
      grid.lyingHoldS.forEach((lyingHoldS, k) => {
        const candidate = { impactG, lyingDeg, lyingHoldS };
        candidates.push(candidate);
        index.push([i, j, k]);
        decisions.push(trials.map((trial) => detectInTrial(trial.adxl, candidate) !== null));
      }),
    ),
  );
  return { candidates, index, decisions };
}

/**
 * Tunes on `train` (trial indices): the grid points with the best balanced accuracy form a plateau
 * (the usual case); of those, the ones with the most equally good neighbours are its middle, and
 * the result is the middle of their span on each axis (so a plateau 2.0–2.1 g gives 2.05 g). The
 * middle of the plateau leaves the widest margin on both sides for data not seen.
 */
export function tune(trials: readonly Trial[], grid: ReturnType<typeof decideGrid>, train: readonly number[]): Candidate {
  const subset = train.map((i) => trials[i]!);
  const balanced = grid.decisions.map((d) => {
    const s = score(
      subset,
      train.map((i) => d[i]!),
    );
    // a training set without falls (or ADLs) is judged on the class it has
    return Number.isNaN(s.sensitivity) ? s.specificity : Number.isNaN(s.specificity) ? s.sensitivity : (s.sensitivity + s.specificity) / 2;
  });
  const best = Math.max(...balanced);
  const optimal = balanced.flatMap((b, c) => (b >= best - 1e-12 ? [c] : []));
  const neighbours = optimal.map(
    (c) => optimal.filter((d) => d !== c && grid.index[c]!.every((v, axis) => Math.abs(v - grid.index[d]![axis]!) <= 1)).length,
  );
  const most = Math.max(...neighbours);
  const central = optimal.filter((_, i) => neighbours[i] === most).map((c) => grid.candidates[c]!);
  const middle = (key: keyof Candidate) => {
    const values = central.map((c) => c[key]);
    return round((Math.min(...values) + Math.max(...values)) / 2);
  };
  return { impactG: middle('impactG'), lyingDeg: middle('lyingDeg'), lyingHoldS: middle('lyingHoldS') };
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

export interface Fold {
  subject: string;
  chosen: Candidate;
  scores: Scores;
}

/** Leave-one-subject-out: for each subject, tune on the others' trials and score on theirs. */
export function leaveOneSubjectOut(trials: readonly Trial[], grid: Grid): { folds: Fold[]; overall: Scores; tunedOnAll: Candidate } {
  const decided = decideGrid(trials, grid);
  const subjects = [...new Set(trials.map((t) => t.subject))].sort();
  const pooled: boolean[] = new Array<boolean>(trials.length);
  const folds = subjects.map((subject) => {
    const train: number[] = [];
    const test: number[] = [];
    trials.forEach((t, i) => (t.subject === subject ? test : train).push(i));
    const chosen = tune(trials, decided, train);
    const decisions = test.map((i) => detectInTrial(trials[i]!.adxl, chosen) !== null);
    test.forEach((i, k) => (pooled[i] = decisions[k]!));
    return {
      subject,
      chosen,
      scores: score(
        test.map((i) => trials[i]!),
        decisions,
      ),
    };
  });
  const tunedOnAll = tune(
    trials,
    decided,
    trials.map((_, i) => i),
  );
  return { folds, overall: score(trials, pooled), tunedOnAll };
}

/** Scores the detector with fixed options over all trials. */
export function scoreFixed(trials: readonly Trial[], options: FallDetectorOptions = {}): Scores {
  return score(
    trials,
    trials.map((t) => detectInTrial(t.adxl, options) !== null),
  );
}

/**
 * The default options on a variant of the recordings, for data the tuning never saw: the other
 * accelerometer, or the stream averaged down by `averageOver` samples (as a wearable sampling at
 * 200/n Hz with its own anti-alias filter would deliver it).
 */
export function scoreVariant(trials: readonly Trial[], sensor: 'adxl' | 'mma', averageOver = 1): Scores {
  return score(
    trials,
    trials.map((trial) => {
      const a = trial[sensor];
      const detector = createFallDetector({ sampleRateHz: 200 / averageOver });
      for (let i = 0; i + 3 * averageOver <= a.length; i += 3 * averageOver) {
        let x = 0;
        let y = 0;
        let z = 0;
        for (let k = 0; k < 3 * averageOver; k += 3) {
          x += a[i + k]!;
          y += a[i + k + 1]!;
          z += a[i + k + 2]!;
        }
        if (detector.push(x / averageOver, y / averageOver, z / averageOver)) return true;
      }
      return false;
    }),
  );
}

export { FallDetectorOptions };
