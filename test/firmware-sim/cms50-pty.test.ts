// End to end over a real PTY (docs/firmware-sim.md#serial): the CMS50 V7 sim at the device end of a
// socat pair, the project's serial-device driver with the contec-cms50-v7 model at the hub end. The
// driver's start command wakes the sim; the outputs carry the resident's vitals; a finger out and an
// unplug/replug of the cable show as the hub would see them.
import t from 'tap';
import { contecCms50V7 } from '../../drivers/devices/contec-cms50-v7.ts';
import type { DeviceOutput } from '../../drivers/device-definition.ts';
import { createSerialDevice } from '../../drivers/serial/serial-device.ts';
import { createSerialportBinding } from '../../drivers/serial/serialport-binding.ts';
import { systemClock } from '../../drivers/clock.ts';
import { CMS50_V7_LINE } from '../../protocols/serial/index.ts';
import { createCms50Sim } from '../../firmware-sim/cms50-sim.ts';
import { socatAvailable } from '../../firmware-sim/pty.ts';
import { createPtyPlug } from '../../firmware-sim/pty-plug.ts';
import { createSimSerialPort } from '../../firmware-sim/sim-serial-port.ts';
import { createVitalsState } from '../../firmware-sim/vitals.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { requirement } from '../support/requirements.ts';

const skip = requirement('socat', socatAvailable(), 'Debian: apt-get install socat');

t.test('sim → PTY → serial-device driver (contec-cms50-v7) → readings and states', { skip }, async (t) => {
  const plug = await createPtyPlug();
  t.teardown(() => plug.close());
  const binding = createSerialportBinding();
  const vitals = createVitalsState({ spo2: 94, pulse: 77 });
  const port = createSimSerialPort({ binding, path: plug.devicePath, ...CMS50_V7_LINE });
  await port.open();
  t.teardown(() => port.close());
  const sim = createCms50Sim({ protocol: 'v7', port, clock: systemClock, vitals: () => vitals.at(Date.now()) });
  sim.start();
  t.teardown(() => sim.stop());

  const outputs: DeviceOutput[] = [];
  const statuses: string[] = [];
  const driver = createSerialDevice({
    portId: 'oxi-1',
    binding,
    match: { path: plug.hubPath },
    device: contecCms50V7,
    onOutputs: (o) => outputs.push(...o),
    onStatus: (s) => statuses.push(s),
    logger: createTestLogger('silent').logger,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  t.teardown(() => driver.stop());
  await driver.start();

  await eventually(() => sim.streaming, 'the driver sent the start command');
  t.equal(sim.commands[0], 0xa1, 'start real-time, from the model handshake');
  await eventually(() => outputs.some((o) => o.input.kind === 'reading' && o.input.metric === 'spo2'), 'an SpO2 reading');
  const inputs = outputs.map((o) => o.input);
  t.match(inputs, [{ kind: 'state', state: { kind: 'sensor', status: 'measuring' } }], 'measuring first');
  t.ok(inputs.some((i) => i.kind === 'reading' && i.metric === 'heart-rate' && i.value === 77), 'pulse 77');
  t.ok(inputs.some((i) => i.kind === 'reading' && i.metric === 'spo2' && i.value === 94), 'SpO2 94');
  t.same(driver.stats.rejected, {}, 'no frame rejected');

  vitals.set({ fingerIn: false });
  await eventually(() => outputs.some((o) => o.input.kind === 'state' && o.input.state.kind === 'sensor' && o.input.state.status === 'finger-out'), 'finger out');
  vitals.set({ fingerIn: true, spo2: 88 });

  // Pull the cable: the driver sees the port go and reopens it once it is back.
  await port.close();
  await plug.unplug();
  await eventually(() => driver.status !== 'open', 'hub notices the unplug');
  const before = outputs.length;
  await plug.replug();
  await port.open();
  await eventually(() => driver.stats.reopens >= 1 && driver.status === 'open', 'driver reopened');
  await eventually(() => outputs.slice(before).some((o) => o.input.kind === 'reading' && o.input.metric === 'spo2' && o.input.value === 88), 'SpO2 88 after the replug');
  t.equal(sim.commands.filter((c) => c === 0xa1).length, 2, 'the reopened driver started the stream again');
});
