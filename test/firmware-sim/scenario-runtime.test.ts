// Integration: a scenario file played by the runtime on real PTYs into the project's serial-device
// driver (docs/firmware-sim.md#the-player): the radar's fall, presence and heartbeat reach the hub
// end as states, and an unplug/replug step makes the driver reopen the same path.
import t from 'tap';
import { seeedMr60fda2 } from '../../drivers/devices/seeed-mr60fda2.ts';
import { callReceiverV1 } from '../../drivers/devices/call-receiver-v1.ts';
import type { DeviceOutput } from '../../drivers/device-definition.ts';
import { systemClock } from '../../drivers/clock.ts';
import { createSerialDevice } from '../../drivers/serial/serial-device.ts';
import { createSerialportBinding } from '../../drivers/serial/serialport-binding.ts';
import { socatAvailable } from '../../firmware-sim/pty.ts';
import { parseScenarioYaml } from '../../firmware-sim/scenario-file.ts';
import { createScenarioPlayer } from '../../firmware-sim/scenario-player.ts';
import { createScenarioRuntime } from '../../firmware-sim/scenario-runtime.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { requirement } from '../support/requirements.ts';

const skip = requirement('socat', socatAvailable(), 'Debian: apt-get install socat');

t.test('a radar fall and a call press, then the radar cable pulled and plugged back', { skip }, async (t) => {
  const scenario = parseScenarioYaml(`
devices:
  - { id: radar, type: seeed-mr60fda2, aliveEvery: 200ms }
  - { id: rx, type: call-receiver, address: 4 }
timeline:
  - { at: 300ms, do: fall, device: radar }
  - { at: 300ms, do: press, device: rx, callPoint: 12 }
  - { at: 600ms, do: unplug, device: radar }
  - { at: 900ms, do: replug, device: radar }
  - { at: 1200ms, do: fall, device: radar, fallen: false }
`);
  const binding = createSerialportBinding();
  const runtime = await createScenarioRuntime(scenario, { binding, clock: systemClock });
  t.teardown(() => runtime.close());
  t.same(runtime.serial.map((s) => [s.deviceId, s.type]), [['radar', 'seeed-mr60fda2'], ['rx', 'call-receiver']]);

  const { logger } = createTestLogger('silent');
  const radarOut: DeviceOutput[] = [];
  const rxOut: DeviceOutput[] = [];
  const radar = createSerialDevice({ portId: 'radar', binding, match: { path: runtime.serial[0]!.hubPath }, device: seeedMr60fda2, onOutputs: (o) => radarOut.push(...o), logger, backoff: { initialMs: 50, maxMs: 100 } });
  const rx = createSerialDevice({ portId: 'rx', binding, match: { path: runtime.serial[1]!.hubPath }, device: callReceiverV1, onOutputs: (o) => rxOut.push(...o), logger });
  t.teardown(() => Promise.all([radar.stop(), rx.stop()]));
  await radar.start();
  await rx.start();
  await runtime.start();

  const result = await createScenarioPlayer(scenario, runtime.sims, { clock: systemClock }).run();
  t.same(result, { executed: 5, failed: [] });
  await eventually(() => radarOut.some((o) => o.input.kind === 'state' && o.input.state.kind === 'fall' && !o.input.state.fallen), 'got up, after the replug');
  const states = radarOut.map((o) => (o.input.kind === 'state' ? o.input.state : null));
  t.match(states, [{ kind: 'sensor', status: 'alive' }], 'heartbeats');
  t.ok(states.some((s) => s?.kind === 'fall' && s.fallen), 'the fall');
  t.ok(states.some((s) => s?.kind === 'presence' && s.present), 'presence with it');
  t.ok(radar.stats.reopens >= 1, 'the driver reopened the same path after the replug');
  await eventually(() => rxOut.length > 0, 'the call');
  t.match(rxOut, [{ input: { kind: 'call-point', event: 'call' }, address: 12, relayAddress: 4 }]);
});
