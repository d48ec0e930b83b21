// The scenario player on a fake clock (docs/firmware-sim.md#the-player): each step at its time, in
// time order, one at a time; vitals changes at the step's scheduled time; a failed step does not
// stop the timeline; stop() cancels the rest.
import t from 'tap';
import { parseScenarioYaml } from '../../firmware-sim/scenario-file.ts';
import { createScenarioPlayer, type ScenarioDeviceSim } from '../../firmware-sim/scenario-player.ts';
import { createVitalsState } from '../../firmware-sim/vitals.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { until } from '../fakes/wait.ts';

const SCENARIO = `
residents:
  - { id: ada, vitals: { spo2: 96, pulse: 70 } }
devices:
  - { id: radar, type: seeed-mr60fda2 }
  - { id: rx, type: call-receiver }
  - { id: oxi, type: cms50-v7, resident: ada }
  - { id: btn, type: zigbee2mqtt, friendlyName: room 1/button }
  - { id: scale, type: ble-weight-scale, address: "c0:ff:ee:00:00:01" }
timeline:
  - { at: 2m, do: press, device: btn, action: double }
  - { at: 10s, do: drift-vitals, resident: ada, to: { spo2: 86 }, over: 100s }
  - { at: 1m, do: fall, device: radar }
  - { at: 1m, do: press, device: rx, callPoint: 17 }
  - { at: 90s, do: unplug, device: oxi }
  - { at: 95s, do: replug, device: oxi }
  - { at: 100s, do: finger-out, resident: ada }
  - { at: 2m, do: measure, device: scale, kg: 71.5 }
  - { at: 2m10s, do: set-vitals, resident: ada, pulse: 90 }
duration: 3m
`;

/** Moves the fake clock a second at a time, letting the steps' promises settle after each. */
async function play(clock: FakeClock, ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 1000) {
    clock.advance(Math.min(1000, ms - done));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function rig(start = 1_000_000) {
  const clock = new FakeClock(start);
  const calls: string[] = [];
  /** Each recorded call with the player's time since start, in s. */
  const at = () => (clock.now() - start) / 1000;
  const record =
    (name: string) =>
    async (...args: unknown[]): Promise<void> => {
      calls.push(`${at()} ${name} ${JSON.stringify(args)}`);
    };
  const devices = new Map<string, ScenarioDeviceSim>([
    ['radar', { fall: record('radar.fall') }],
    ['rx', { press: record('rx.press'), unplug: record('rx.unplug') }],
    ['oxi', { unplug: record('oxi.unplug'), replug: record('oxi.replug') }],
    ['btn', { press: record('btn.press') }],
    ['scale', { measure: record('scale.measure') }],
  ]);
  const ada = createVitalsState({ spo2: 96, pulse: 70 });
  const scenario = parseScenarioYaml(SCENARIO);
  return { clock, calls, devices, ada, scenario, start };
}

t.test('steps run at their times, in time order, equal times in file order', async (t) => {
  const { clock, calls, devices, ada, scenario } = rig();
  const seen: number[] = [];
  const player = createScenarioPlayer(scenario, { residents: new Map([['ada', ada]]), devices }, { clock, onStep: (_s, i) => seen.push(i) });
  let finished = false;
  const run = player.run().then((r) => {
    finished = true;
    return r;
  });
  clock.advance(59_999);
  await until(() => seen.length === 1, 'the drift step');
  t.same(calls, [], 'nothing a device does before 1m');
  clock.advance(1);
  await until(() => calls.length === 2, 'the 1m steps');
  t.same(calls, ['60 radar.fall [true]', '60 rx.press [{"callPoint":17}]'], 'fall before press: file order at equal times');
  await play(clock, 60_000);
  await until(() => calls.length === 6, 'the 2m steps');
  t.same(calls.slice(2), ['90 oxi.unplug []', '95 oxi.replug []', '120 btn.press [{"action":"double"}]', '120 scale.measure [{"kind":"weight","kg":71.5}]']);
  t.same(seen, [1, 2, 3, 4, 5, 6, 0, 7], 'sorted by time');
  clock.advance(10_000);
  await until(() => seen.length === 9, 'the last step');
  t.notOk(finished, 'still running until the duration');
  clock.advance(50_000);
  const result = await run;
  t.same(result, { executed: 9, failed: [] });
  t.equal(player.elapsed(), 180_000);
});

t.test('vitals drift from the step time, finger-out and set take effect at theirs', async (t) => {
  const { clock, devices, ada, scenario, start } = rig();
  const player = createScenarioPlayer(scenario, { residents: new Map([['ada', ada]]), devices }, { clock });
  void player.run();
  clock.advance(10_000);
  await until(() => ada.at(start + 110_000).spo2 === 86, 'drift scheduled');
  t.equal(ada.at(start + 10_000).spo2, 96, 'drift starts at 10 s');
  t.equal(ada.at(start + 60_000).spo2, 91, 'half way at 60 s');
  t.equal(ada.at(start + 200_000).spo2, 86, 'holds the target after the span');
  clock.advance(90_000);
  await until(() => !ada.at(clock.now()).fingerIn, 'finger out at 100 s');
  t.equal(ada.at(clock.now()).pulse, 70);
  clock.advance(30_000);
  await until(() => ada.at(clock.now()).pulse === 90, 'pulse set at 2m10s');
  t.equal(ada.at(clock.now()).spo2, 86, 'set-vitals of the pulse leaves the drifted SpO2 alone');
  player.stop();
});

t.test('a failing step is reported and the timeline goes on', async (t) => {
  const { clock, devices, ada, scenario } = rig();
  devices.set('radar', {
    fall: async () => {
      throw new Error('port is gone');
    },
  });
  const errors: string[] = [];
  const player = createScenarioPlayer(scenario, { residents: new Map([['ada', ada]]), devices }, { clock, onError: (s, i, e) => errors.push(`${i} ${s.do} ${e.message}`) });
  const run = player.run();
  for (let i = 0; i < 20; i++) {
    clock.advance(10_000);
    await until(() => true);
  }
  const result = await run;
  t.same(result.failed, [{ index: 2, message: 'port is gone' }]);
  t.equal(result.executed, 8);
  t.same(errors, ['2 fall port is gone']);
});

t.test('a device without the step is a coded failure, not a crash', async (t) => {
  const { clock, devices, ada, scenario } = rig();
  devices.set('btn', {});
  devices.delete('scale');
  const player = createScenarioPlayer(scenario, { residents: new Map([['ada', ada]]), devices }, { clock });
  const run = player.run();
  clock.advance(180_000);
  for (let i = 0; i < 5; i++) await until(() => true);
  const result = await run;
  t.same(result.failed, [
    { index: 0, message: 'device btn cannot press' },
    { index: 7, message: 'no sim for device scale' },
  ]);
});

t.test('stop() cancels what has not run and resolves run()', async (t) => {
  const { clock, calls, devices, ada, scenario } = rig();
  const player = createScenarioPlayer(scenario, { residents: new Map([['ada', ada]]), devices }, { clock });
  const run = player.run();
  clock.advance(60_000);
  await until(() => calls.length === 2);
  player.stop();
  const result = await run;
  t.equal(result.executed, 3, 'drift, fall, press');
  t.equal(clock.pending, 0, 'no timer left behind');
  clock.advance(600_000);
  await until(() => true);
  t.equal(calls.length, 2, 'nothing after stop');
});

t.test('a drift starts at its own time even when the step before it is slow', async (t) => {
  const clock = new FakeClock(0);
  let release: () => void = () => {};
  const slow = new Promise<void>((resolve) => (release = resolve));
  const scenario = parseScenarioYaml(`
residents: [{ id: ada }]
devices: [{ id: btn, type: zigbee2mqtt, friendlyName: b }]
timeline:
  - { at: 10s, do: press, device: btn }
  - { at: 10s, do: drift-vitals, resident: ada, to: { spo2: 86 }, over: 100s }
`);
  const ada = createVitalsState({ spo2: 96 });
  const player = createScenarioPlayer(scenario, { residents: new Map([['ada', ada]]), devices: new Map([['btn', { press: () => slow }]]) }, { clock });
  const run = player.run();
  clock.advance(30_000); // the press is still publishing 20 s later
  release();
  await run;
  t.equal(ada.at(60_000).spo2, 91, 'half way 50 s after the step time, not after the slow press ended');
});
