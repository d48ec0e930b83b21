/** hub/store/budget-policy.ts: what to do at each fill level of the outbox. */
import t from 'tap';
import { budgetThresholds, decideShedding, diskAwareLimits } from '../../../hub/store/budget-policy.ts';

const limits = { budgetBytes: 1100, reserveBytes: 100 }; // ceiling 1000

t.test('thresholds are fractions of the budget less the reserve', async (t) => {
  t.same(budgetThresholds(limits), { ceiling: 1000, thinAbove: 800, dropAbove: 900, target: 700 });
  t.same(budgetThresholds({ budgetBytes: 50, reserveBytes: 100 }), { ceiling: 0, thinAbove: 0, dropAbove: 0, target: 0 }, 'a reserve larger than the budget leaves telemetry nothing');
});

t.test('each fill level and whether anything is thinnable', async (t) => {
  const rows: Array<[number, boolean, string, number]> = [
    [0, true, 'none', 0],
    [800, true, 'none', 0], // at the thin threshold: nothing yet
    [801, true, 'thin', 101], // thin down to the target (700)
    [801, false, 'none', 0], // nothing to thin, not yet at the drop threshold
    [900, false, 'none', 0],
    [901, false, 'drop-oldest', 201], // drop down to the target
    [950, true, 'thin', 250], // thinning first while something can be thinned
    [1001, true, 'thin', 301], // above the ceiling too: thinning first while it can
    [5000, false, 'drop-oldest', 4300],
  ];
  for (const [used, thinnable, action, bytes] of rows) {
    t.same(decideShedding(used, thinnable, limits), { action, bytesToFree: bytes }, `${used} bytes, thinnable ${thinnable}`);
  }
});

t.test('a pass that has started goes on down to the target', async (t) => {
  const rows: Array<[number, boolean, 'idle' | 'thinning' | 'dropping', string, number]> = [
    [750, true, 'idle', 'none', 0], // below the thin threshold: no pass starts
    [750, true, 'thinning', 'thin', 50], // but a thinning pass goes on to 700
    [700, true, 'thinning', 'none', 0], // and stops there
    [750, false, 'thinning', 'none', 0], // nothing left to thin, below the drop threshold: stop
    [750, false, 'dropping', 'drop-oldest', 50], // a pass that had to drop goes on to 700
    [750, true, 'dropping', 'thin', 50], // thinning still first where it can
  ];
  for (const [used, thinnable, phase, action, bytes] of rows) {
    t.same(decideShedding(used, thinnable, limits, phase), { action, bytesToFree: bytes }, `${used} bytes, thinnable ${thinnable}, ${phase}`);
  }
});

t.test("the disk's free space lowers the budget, never raises it, and the reserve stays whole", async (t) => {
  const margin = 50;
  // used 300 + free 400 − margin 50 = 650 fits: below the configured 1100
  t.same(diskAwareLimits(limits, { usedBytes: 300, freeBytes: 400, marginBytes: margin }), { budgetBytes: 650, reserveBytes: 100 });
  t.same(budgetThresholds(diskAwareLimits(limits, { usedBytes: 300, freeBytes: 400, marginBytes: margin })).ceiling, 550, 'telemetry stops 550 bytes in');
  t.same(diskAwareLimits(limits, { usedBytes: 300, freeBytes: 10_000, marginBytes: margin }), limits, 'a roomy disk leaves the configured budget');
  t.same(diskAwareLimits(limits, null), limits, 'no probe yet: the configured budget');
  const tiny = diskAwareLimits(limits, { usedBytes: 20, freeBytes: 100, marginBytes: margin });
  t.same(tiny, { budgetBytes: 70, reserveBytes: 100 }, 'a disk that cannot hold the reserve');
  t.equal(budgetThresholds(tiny).ceiling, 0, 'leaves telemetry nothing');
  t.same(diskAwareLimits(limits, { usedBytes: 0, freeBytes: 10, marginBytes: margin }).budgetBytes, 0, 'never below zero');
});

t.test('a disk filled by something else makes telemetry yield before the filesystem fills', async (t) => {
  // 600 bytes of telemetry: fine under the configured budget (thin above 800)...
  t.same(decideShedding(600, false, limits), { action: 'none', bytesToFree: 0 });
  // ...but only 100 bytes are free now: 600 + 100 − 50 = 650 fits, ceiling 550, drop above 495, target 385.
  const now = diskAwareLimits(limits, { usedBytes: 600, freeBytes: 100, marginBytes: 50 });
  t.same(decideShedding(600, false, now), { action: 'drop-oldest', bytesToFree: 215 });
  t.same(decideShedding(600, true, now), { action: 'thin', bytesToFree: 215 });
});
