/**
 * bench:alarm-burden at a tiny size (3 residents, 1 day, stand-in recordings), so it cannot rot: the
 * simulated week runs through the hub's pipeline and rules on the simulated clock, and the report
 * prints every figure (docs/alarm-burden.md).
 */
import t from 'tap';
import { report, runBurden } from '../../bench/alarm-burden.ts';
import { planWeek, type Recording } from '../../firmware-sim/week-load.ts';

/** Standing, a 0.3 s near free fall, a 4 g landing on the side, lying still: a fall to the detector. */
function fall(): Recording {
  const s: number[] = [];
  for (let i = 0; i < 400; i++) s.push(0, -1, 0);
  for (let i = 0; i < 60; i++) s.push(0, -0.2, 0);
  for (let i = 0; i < 6; i++) s.push(4, 0, 0);
  for (let i = 0; i < 800; i++) s.push(1, 0, 0);
  return { name: 'synthetic-fall', hz: 200, samples: new Float64Array(s) };
}
/** Ten seconds of standing with a 3 g heel strike: no fall. */
function walk(): Recording {
  const s: number[] = [];
  for (let i = 0; i < 2000; i++) s.push(0, i % 200 === 0 ? -3 : -1, 0);
  return { name: 'synthetic-walk', hz: 200, samples: new Float64Array(s) };
}

t.test('a day for three residents: every scripted event alarms and the report prints the figures', async (t) => {
  const plan = planWeek({
    residents: 3,
    days: 1,
    seed: 5,
    startMs: Date.UTC(2026, 10, 23),
    recordings: { adl: [walk()], fall: [fall()] },
    rates: { desaturations: 2, fevers: 0, falls: 1, silentDevices: 1 },
  });
  const run = await runBurden(plan);
  t.ok(run.inputs > 3 * 2000, `${run.inputs} inputs`);
  t.same(
    Object.fromEntries(Object.entries(run.score.byKind).map(([k, v]) => [k, `${v.alarmed}/${v.events}`])),
    { desaturation: '2/2', fever: '0/0', fall: '1/1', 'silent-device': '1/1' },
  );
  const lines: string[] = [];
  const met = report(run, (line) => lines.push(line));
  t.match(lines.join('\n'), /alarm burden: 3 residents × 1 days \(3 resident-days\)[\s\S]*desaturation +2\/2[\s\S]*non-actionable: \d+ = [\d.]+ per resident-day \(goal ≤ 1\)/);
  t.equal(met, run.score.nonActionablePerResidentDay <= 1, 'goal met exactly when the burden is within it (all events alarmed)');
});

t.test('a plan that cannot hold the events asked for says so instead of scripting fewer', async (t) => {
  t.throws(
    () => planWeek({ residents: 3, days: 1, seed: 5, startMs: Date.UTC(2026, 10, 23), recordings: { adl: [walk()], fall: [fall()] }, rates: { fevers: 1 } }),
    /could place only 0 of 1 fever events in 1 days for 3 residents/,
  );
});
