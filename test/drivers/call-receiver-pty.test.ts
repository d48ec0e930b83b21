// Integration: the real serialport binding over a socat PTY pair. The simulator writes at the
// device end; the driver reads the hub end.
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCallFrame } from '../../protocols/call-frame.ts';
import { createCallReceiver, type CallPointObservation } from './call-receiver-support.ts';
import { createSerialportBinding } from '../../drivers/serial/serialport-binding.ts';
import type { TransportStatus } from '../../drivers/types.ts';
import { createPtyPair, socatAvailable } from '../../firmware-sim/pty.ts';
import { createCallReceiverSim } from '../../firmware-sim/call-receiver-sim.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { requirement } from '../support/requirements.ts';

const skip = requirement('socat', socatAvailable(), 'Debian: apt-get install socat');

async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'carehub-pty-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('call and cancel frames written at the device end are decoded in order at the hub end', { skip }, async (t) => {
  const dir = await tempDir(t);
  const pair = await createPtyPair({ dir });
  t.teardown(() => pair.close());
  const binding = createSerialportBinding();
  const { logger } = createTestLogger('silent');
  const observations: CallPointObservation[] = [];
  const receiver = createCallReceiver({ portId: 'pty-rx', binding, match: { path: pair.hubPath }, logger, onFrame: (o) => observations.push(o) });
  t.teardown(() => receiver.stop());
  await receiver.start();
  t.equal(receiver.status, 'open', 'driver opened the hub end');

  const sim = createCallReceiverSim({ binding, path: pair.devicePath, receiver: 3 });
  await sim.open();
  t.teardown(() => sim.close());
  const corrupt = encodeCallFrame({ receiver: 3, callPoint: 0x21, event: 'call', seq: 99, battery: null });
  corrupt[9]! ^= 0xff; // CRC high byte

  await sim.press(0x21, 'call');
  await sim.writeRaw(Uint8Array.of(0x00, 0xff, 0x13, 0x37)); // line noise
  await sim.press(0x21, 'cancel');
  await sim.writeRaw(corrupt);
  await sim.press(0x22, 'pull-cord', { battery: 80 });
  await sim.writeRaw(Uint8Array.of(0xa5)); // a START byte, then a frame: the framer must resync
  await sim.press(0x21, 'call');

  await eventually(() => observations.length === 4 && (receiver.stats.rejected['bad-crc'] ?? 0) >= 1, 'four frames');
  t.same(
    observations.map((o) => [o.portId, o.frame.receiver, o.frame.callPoint, o.frame.event, o.frame.seq, o.frame.battery]),
    [
      ['pty-rx', 3, 0x21, 'call', 1, null],
      ['pty-rx', 3, 0x21, 'cancel', 2, null],
      ['pty-rx', 3, 0x22, 'pull-cord', 1, 80],
      ['pty-rx', 3, 0x21, 'call', 3, null],
    ],
  );
  t.equal(receiver.stats.rejected['bad-crc'], 1, 'the corrupt frame was rejected for its CRC');
  t.ok((receiver.stats.rejected.garbage ?? 0) >= 1, 'noise counted');
  t.equal(receiver.stats.framesOk, 4);
});

// Flush-on-open is tested with the mock binding (call-receiver.test.ts): over a PTY there is no
// way to know when socat has forwarded the "stale" bytes, so such a test would race.

t.test('when the PTY goes away the driver reports it and reopens when it is back', { skip }, async (t) => {
  const dir = await tempDir(t);
  let pair = await createPtyPair({ dir });
  t.teardown(() => pair.close());
  const binding = createSerialportBinding();
  const { logger } = createTestLogger('silent');
  const observations: CallPointObservation[] = [];
  const statuses: TransportStatus[] = [];
  const receiver = createCallReceiver({
    portId: 'pty-replug',
    binding,
    match: { path: pair.hubPath },
    logger,
    backoff: { initialMs: 20, maxMs: 200 },
    // Linux does not always tell serialport that the PTY peer hung up (see idleReopenMs); the
    // idle watchdog is what a deployment relies on then, so this test exercises both paths.
    idleReopenMs: 500,
    onFrame: (o) => observations.push(o),
    onStatus: (s) => statuses.push(s),
  });
  t.teardown(() => receiver.stop());
  await receiver.start();

  await pair.close(); // socat exits: the hub end hangs up
  await eventually(() => receiver.status !== 'open', 'driver notices the hang-up');
  pair = await createPtyPair({ dir });
  await eventually(() => receiver.status === 'open', 'driver reopens');
  t.ok(receiver.stats.reopens >= 1, 'reopened');
  t.ok(statuses.includes('closed'), 'the close was reported');

  const sim = createCallReceiverSim({ binding, path: pair.devicePath });
  await sim.open();
  t.teardown(() => sim.close());
  // The watchdog may recycle an idle port at any moment: keep pressing until one frame lands.
  await eventually(() => observations.length > 0 || (void sim.press(0x40, 'call').catch(() => {}), false), 'frame after reopen');
  t.equal(observations[0]!.frame.callPoint, 0x40);
});
