// A resident's vitals (docs/firmware-sim.md#vitals): linear drift from the value at the step's time,
// a set stops the drift of what it sets only.
import t from 'tap';
import fc from 'fast-check';
import { createVitalsState, DEFAULT_VITALS } from '../../firmware-sim/vitals.ts';

t.test('defaults, and a drift is linear between its ends and holds its target after', async (t) => {
  const v = createVitalsState({ pulse: 60 });
  t.same(v.at(0), { ...DEFAULT_VITALS, pulse: 60 });
  v.drift({ pulse: 120 }, 60_000, 1_000);
  t.same([0, 1_000, 31_000, 61_000, 99_000].map((ms) => v.at(ms).pulse), [60, 60, 90, 120, 120]);
});

t.test('a drift starts from where an earlier drift had got to', async (t) => {
  const v = createVitalsState({ spo2: 98 });
  v.drift({ spo2: 88 }, 10_000, 0);
  v.drift({ spo2: 93 }, 10_000, 5_000); // at 5 s the first drift is at 93: the second holds it there
  t.same([5_000, 10_000, 15_000].map((ms) => v.at(ms).spo2), [93, 93, 93]);
});

t.test('set stops the drift of what it sets and leaves the other drifts alone', async (t) => {
  const v = createVitalsState({ spo2: 98, pulse: 60 });
  v.drift({ spo2: 88, pulse: 100 }, 10_000, 0);
  v.set({ spo2: 95 });
  t.same([v.at(5_000).spo2, v.at(5_000).pulse], [95, 80]);
  v.set({ fingerIn: false });
  t.equal(v.at(5_000).fingerIn, false);
  t.equal(v.at(5_000).pulse, 80, 'finger out does not touch the pulse drift');
});

t.test('a drift never leaves the segment between its ends (fast-check)', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 40, max: 200 }), fc.integer({ min: 40, max: 200 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: -1e6, max: 2e6 }), (from, to, span, at) => {
      const v = createVitalsState({ pulse: from });
      v.drift({ pulse: to }, span, 0);
      const p = v.at(at).pulse;
      return p >= Math.min(from, to) && p <= Math.max(from, to);
    }),
  );
});
