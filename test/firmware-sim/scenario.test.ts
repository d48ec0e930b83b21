import t from 'tap';
import { parseScenario, runScenario, type ScenarioStep } from '../../firmware-sim/scenario.ts';
import type { CallPointEvent } from '../../protocols/call-frame.ts';

function recorder() {
  const calls: string[] = [];
  let time = 0;
  const serial = {
    press: async (callPoint: number, event: CallPointEvent) => {
      calls.push(`${time} serial ${callPoint} ${event}`);
      return { receiver: 1, callPoint, event, seq: 1, battery: null };
    },
    writeRaw: async (bytes: Uint8Array) => {
      calls.push(`${time} raw ${Array.from(bytes, (b) => b.toString(16)).join(' ')}`);
    },
  };
  const button = {
    press: async (event: CallPointEvent) => {
      calls.push(`${time} mqtt bath-12 ${event}`);
      return { event, seq: 1 };
    },
  };
  // Virtual time: sleeping moves the clock; no real timer runs.
  const clock = { now: () => time, sleep: async (ms: number) => void (time += ms) };
  return { calls, serial, mqtt: new Map([['bath-12', button]]), clock };
}

t.test('steps run in order, each at its time, against the sims', async (t) => {
  const steps = parseScenario([
    { at: 0, do: 'serial-call', callPoint: 17 },
    { at: 1500, do: 'serial-garbage', hex: 'de ad BE ef' },
    { at: 1500, do: 'mqtt-call', deviceId: 'bath-12' },
    { at: 4000, do: 'serial-event', callPoint: 17, event: 'heartbeat', battery: 80 },
    { at: 1000, do: 'log', message: 'late step runs at once, in list order' },
    { at: 6000, do: 'serial-cancel', callPoint: 17 },
    { at: 6000, do: 'mqtt-cancel', deviceId: 'bath-12' },
  ]);
  const r = recorder();
  const seen: number[] = [];
  const result = await runScenario(steps, { serial: r.serial, mqtt: r.mqtt }, { ...r.clock, onStep: (_s, i) => seen.push(i) });
  t.same(result, { executed: 7 });
  t.same(seen, [0, 1, 2, 3, 4, 5, 6]);
  t.same(r.calls, [
    '0 serial 17 call',
    '1500 raw de ad be ef',
    '1500 mqtt bath-12 call',
    '4000 serial 17 heartbeat',
    '6000 serial 17 cancel',
    '6000 mqtt bath-12 cancel',
  ]);
});

t.test('invalid scenarios are rejected with every issue and its path', async (t) => {
  t.throws(() => parseScenario([{ at: -1, do: 'serial-call', callPoint: 0 }, { at: 0, do: 'explode' }]), {
    code: 'invalid-scenario',
    message: /0\.at: .*0\.callPoint: .*1\.do/s,
  });
});

t.test('a step without its sim fails with missing-target', async (t) => {
  const r = recorder();
  const steps: ScenarioStep[] = [{ at: 0, do: 'mqtt-call', deviceId: 'nobody' }];
  await t.rejects(runScenario(steps, { mqtt: r.mqtt }, r.clock), { code: 'missing-target' });
  await t.rejects(runScenario([{ at: 0, do: 'serial-call', callPoint: 1 }], {}, r.clock), { code: 'missing-target' });
});

t.test('an aborted scenario stops before the next step', async (t) => {
  const r = recorder();
  const controller = new AbortController();
  const steps: ScenarioStep[] = [
    { at: 0, do: 'serial-call', callPoint: 1 },
    { at: 10, do: 'serial-cancel', callPoint: 1 },
  ];
  await t.rejects(
    runScenario(steps, { serial: r.serial }, { ...r.clock, signal: controller.signal, onStep: (_s, i) => i === 0 && controller.abort() }),
    { code: 'aborted' },
  );
  t.same(r.calls, ['0 serial 1 call']);
});
