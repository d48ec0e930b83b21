/**
 * `npm run bench:falls [-- DIR]`: the fall detector on the SisFall sample (docs/fall-detection.md).
 * Prints leave-one-subject-out cross-validation (each subject's trials decided with options tuned
 * by a grid search on the other subjects' trials), then the figures of the fixed default options
 * on all trials, on the second accelerometer and at lower sampling rates, then each option varied
 * alone around its default. DIR defaults to the project's
 * `../shared/data/falls/sisfall`.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FallDetectorOptions } from '../hub/falls/fall-detector.ts';
import { DEFAULT_GRID, leaveOneSubjectOut, loadSisFallSample, scoreFixed, scoreVariant, type Scores } from './falls-evaluation.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = resolve(process.argv[2] ?? join(root, '..', 'shared', 'data', 'falls', 'sisfall'));
if (!existsSync(join(dir, 'labels.csv'))) {
  console.error(`bench:falls: no SisFall sample at ${dir} (labels.csv missing); pass its folder as the argument`);
  process.exit(2);
}

const pct = (v: number) => (Number.isNaN(v) ? '   —  ' : `${(100 * v).toFixed(1).padStart(5)}%`);
const line = (label: string, s: Scores) =>
  `${label.padEnd(10)} sens ${pct(s.sensitivity)} (${s.truePositives}/${s.falls})  spec ${pct(s.specificity)} (${s.trueNegatives}/${s.adls})  acc ${pct(s.accuracy)}${s.wrong.length ? `  wrong: ${s.wrong.join(' ')}` : ''}`;

let started = performance.now();
const trials = loadSisFallSample(dir);
const subjects = new Set(trials.map((t) => t.subject)).size;
console.log(`SisFall sample: ${trials.length} trials (${trials.filter((t) => t.fall).length} falls) from ${subjects} subjects, read in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const points = DEFAULT_GRID.impactG.length * DEFAULT_GRID.lyingDeg.length * DEFAULT_GRID.lyingHoldS.length;
console.log(`grid: impactG ${DEFAULT_GRID.impactG.join(',')} g × lyingDeg ${DEFAULT_GRID.lyingDeg.join(',')}° × lyingHoldS ${DEFAULT_GRID.lyingHoldS.join(',')} s (${points} points)`);

started = performance.now();
const { folds, overall, tunedOnAll } = leaveOneSubjectOut(trials, DEFAULT_GRID);
console.log(`\nLeave-one-subject-out (${((performance.now() - started) / 1000).toFixed(1)} s):`);
for (const fold of folds) {
  const c = fold.chosen;
  console.log(`${line(fold.subject, fold.scores)}   tuned: impactG ${c.impactG} g, lyingDeg ${c.lyingDeg}°, lyingHoldS ${c.lyingHoldS} s`);
}
console.log(line('overall', overall));
console.log(`tuned on all trials (the detector's defaults should be these): ${JSON.stringify(tunedOnAll)}`);

const defaults = FallDetectorOptions.parse({});
console.log(`\nDefault options on all trials (${JSON.stringify(defaults)}):`);
console.log(line('all', scoreFixed(trials)));

console.log('\nDefault options on recordings the tuning never saw: the second accelerometer, and the stream averaged to a lower rate:');
console.log(line('MMA8451Q 200 Hz'.padEnd(24), scoreVariant(trials, 'mma')));
console.log(line('ADXL345 100 Hz'.padEnd(24), scoreVariant(trials, 'adxl', 2)));
console.log(line('ADXL345 50 Hz'.padEnd(24), scoreVariant(trials, 'adxl', 4)));

console.log('\nEach option varied alone, the others at their defaults (all trials):');
const sweeps: Array<[keyof typeof defaults, number[]]> = [
  ['impactG', [1.8, 1.9, 2.0, 2.1, 2.2, 2.3, 2.5]],
  ['lyingDeg', [45, 50, 55, 60, 65, 70, 75]],
  ['lyingHoldS', [0.5, 1, 2, 3, 3.5, 4]],
  ['uprightDeg', [30, 35, 40, 45, 50, 55]],
  ['uprightBeforeLyingS', [2, 3, 4, 5, 8]],
  ['impactWindowS', [0.5, 1, 1.5, 2, 3, 5]],
  ['gravityCutoffHz', [0.25, 0.5, 1, 2]],
];
for (const [key, values] of sweeps) {
  for (const value of values) console.log(line(`${key}=${value}`.padEnd(24), scoreFixed(trials, { [key]: value })));
}
