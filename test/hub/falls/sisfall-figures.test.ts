/**
 * The fall detector's figures on the SisFall sample (docs/fall-detection.md), asserted so that a
 * regression fails: the default options over every trial, and a cheap leave-one-subject-out run
 * (impactG tuned on the other subjects over a small grid; `npm run bench:falls` tunes three options).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { leaveOneSubjectOut, loadSisFallSample, scoreFixed } from '../../../bench/falls-evaluation.ts';
import { requireForFile } from '../../support/requirements.ts';

const SISFALL = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/falls/sisfall');

if (requireForFile('the SisFall sample (../shared/data/falls/sisfall)', existsSync(SISFALL), 'the shared test data folder next to the repository')) {
  const trials = loadSisFallSample(SISFALL);

  t.test('the sample is the one measured: 212 trials, 75 falls, 8 subjects', async (t) => {
    t.equal(trials.length, 212);
    t.equal(trials.filter((x) => x.fall).length, 75);
    t.equal(new Set(trials.map((x) => x.subject)).size, 8);
  });

  // Measured: 75/75 falls and 137/137 ADLs. Asserted a little lower (one trial of each class may
  // flip) so that only a real regression fails.
  t.test('default options, every trial: sensitivity ≥ 98.6%, specificity ≥ 99.2%', async (t) => {
    const s = scoreFixed(trials);
    t.ok(s.sensitivity >= 74 / 75, `sensitivity ${s.truePositives}/${s.falls}, wrong: ${s.wrong.join(' ')}`);
    t.ok(s.specificity >= 136 / 137, `specificity ${s.trueNegatives}/${s.adls}, wrong: ${s.wrong.join(' ')}`);
  });

  t.test('leave-one-subject-out, impactG tuned on the other subjects: sensitivity and specificity ≥ 98%', async (t) => {
    const { folds, overall } = leaveOneSubjectOut(trials, { impactG: [1.4, 1.6, 1.8, 1.9, 2.0, 2.1, 2.2], lyingDeg: [60], lyingHoldS: [1.75] });
    t.equal(folds.length, 8, 'one fold per subject');
    for (const fold of folds) t.ok(fold.chosen.impactG > 1.9 && fold.chosen.impactG < 2.2, `${fold.subject}: tuned impactG ${fold.chosen.impactG} g`);
    t.ok(overall.sensitivity >= 0.98, `sensitivity ${overall.truePositives}/${overall.falls}, wrong: ${overall.wrong.join(' ')}`);
    t.ok(overall.specificity >= 0.98, `specificity ${overall.trueNegatives}/${overall.adls}, wrong: ${overall.wrong.join(' ')}`);
  });
}
