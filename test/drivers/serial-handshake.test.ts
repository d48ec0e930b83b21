/**
 * A model's handshake (docs/devices.md#serial): the CMS50 V7.0 start command after open, repeated
 * until the oximeter answers, then the keep-alive every 5 s. Mock port, fake clock.
 */
import t from 'tap';
import { contecCms50V7 } from '../../drivers/devices/contec-cms50-v7.ts';
import { createMockSerialBinding } from '../../drivers/serial/mock-binding.ts';
import { createSerialDevice } from '../../drivers/serial/serial-device.ts';
import { CMS50_V7_KEEP_ALIVE, CMS50_V7_START, encodeCms50V7RealTime } from '../../protocols/serial/index.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { until } from '../fakes/wait.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

t.test('start until the device answers, then keep-alive every 5 s', async (t) => {
  const binding = createMockSerialBinding();
  const path = '/dev/mock-handshake-1';
  binding.createPort(path);
  const clock = new FakeClock(1_000);
  const { logger } = createTestLogger('silent');
  let outputs = 0;
  const driver = createSerialDevice({ portId: 'oxi', device: contecCms50V7, binding, match: { path }, logger, clock, onOutputs: (o) => (outputs += o.length) });
  t.teardown(() => driver.stop());
  await driver.start();
  const sent = () => hex(binding.written(path));
  await until(() => sent().length > 0, 'the start command');
  t.equal(sent(), hex(CMS50_V7_START), 'start after open');

  clock.advance(5_000);
  await until(() => sent().length > hex(CMS50_V7_START).length, 'the second write');
  t.equal(sent(), hex(CMS50_V7_START).repeat(2), 'no answer yet: start again, not a keep-alive');

  binding.emitData(path, encodeCms50V7RealTime({ signalStrength: 4, searchingTooLong: false, lowSpo2: false, pulseBeep: false, probeError: false, pleth: 20, searching: false, barGraph: 2, piInvalid: true, pulseRate: 72, spo2: 97, piRaw: 0xffff }));
  await until(() => outputs > 0, 'the first frame');
  clock.advance(5_000);
  await until(() => sent().length > hex(CMS50_V7_START).length * 2, 'the third write');
  t.equal(sent(), hex(CMS50_V7_START).repeat(2) + hex(CMS50_V7_KEEP_ALIVE), 'answered: keep-alive from now on');
  clock.advance(4_999);
  await until(() => true);
  t.equal(sent().length, (hex(CMS50_V7_START).length * 2) + hex(CMS50_V7_KEEP_ALIVE).length, 'not before 5 s');
});
