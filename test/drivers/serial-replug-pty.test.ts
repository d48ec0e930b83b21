/**
 * Replug under another name (docs/adding-a-device.md#serial-pitfalls): an oximeter's port goes away
 * and comes back at another path, as /dev/ttyUSB0 becomes ttyUSB1; the driver, matching by serial
 * number, finds it again and readings continue within 5 s. Real serialport binding over socat PTYs;
 * only the port listing is scripted, since udev lists no PTYs.
 */
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceOutput } from '../../drivers/device-definition.ts';
import { contecCms50V7 } from '../../drivers/devices/contec-cms50-v7.ts';
import { createSerialDevice } from '../../drivers/serial/serial-device.ts';
import { createSerialportBinding, type PortInfo, type SerialConnection } from '../../drivers/serial/serialport-binding.ts';
import { createPtyPair, socatAvailable, type PtyPair } from '../../firmware-sim/pty.ts';
import { encodeCms50V7RealTime } from '../../protocols/serial/index.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { requirement } from '../support/requirements.ts';

const skip = requirement('socat', socatAvailable(), 'Debian: apt-get install socat');

const frame = (spo2: number) =>
  encodeCms50V7RealTime({ signalStrength: 4, searchingTooLong: false, lowSpo2: false, pulseBeep: false, probeError: false, pleth: 20, searching: false, barGraph: 2, piInvalid: true, pulseRate: 70, spo2, piRaw: 0xffff });

t.test('the oximeter comes back under another path: found by serial number, readings go on within 5 s', { skip }, async (t) => {
  const dirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), 'carehub-replug-'))));
  t.teardown(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const real = createSerialportBinding();
  let current: PtyPair | null = await createPtyPair({ dir: dirs[0]! });
  t.teardown(() => current?.close());
  const listing = (): PortInfo[] => (current ? [{ path: current.hubPath, serialNumber: 'OXI-0042', vendorId: '10c4', productId: 'ea60' }] : []);
  const binding = { open: real.open.bind(real), list: async () => listing() };

  const spo2: number[] = [];
  const { logger } = createTestLogger('silent');
  const driver = createSerialDevice({
    portId: 'oxi-1',
    device: contecCms50V7,
    binding,
    match: { vendorId: '10c4', productId: 'ea60', serialNumber: 'OXI-0042' },
    logger,
    backoff: { initialMs: 50, maxMs: 400 },
    idleReopenMs: 1000, // serialport may miss a PTY hang-up; the oximeter streams 60 frames a second
    onOutputs: (outputs: DeviceOutput[]) => {
      for (const { input } of outputs) if (input.kind === 'reading' && input.metric === 'spo2') spo2.push(input.value);
    },
  });
  t.teardown(() => driver.stop());
  await driver.start();
  const firstPath = current.hubPath;

  /** The device end: keep streaming a value until the driver has it (the driver may be mid-reopen). */
  async function streamUntilSeen(pair: PtyPair, value: number): Promise<number> {
    const device: SerialConnection = await real.open({ path: pair.devicePath, baudRate: 115200 });
    const started = Date.now();
    try {
      await eventually(() => {
        void device.write(frame(value)).catch(() => undefined);
        return spo2.includes(value);
      }, `SpO2 ${value} at the hub`, 10_000);
    } finally {
      await device.close();
    }
    return Date.now() - started;
  }

  await streamUntilSeen(current, 97);
  await current.close(); // unplugged
  current = null;
  await eventually(() => driver.status !== 'open', 'the driver notices the port is gone');

  current = await createPtyPair({ dir: dirs[1]! }); // plugged in again, under another path
  t.not(current.hubPath, firstPath, 'the port has another path now');
  const replugged = Date.now();
  await streamUntilSeen(current, 94);
  const resumedMs = Date.now() - replugged;
  t.ok(resumedMs < 5000, `readings resumed ${resumedMs} ms after the replug`);
  t.ok(driver.stats.reopens >= 1, 'reopened');
});
