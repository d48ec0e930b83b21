import t from 'tap';
import { encodeCallFrame, type CallFrame } from '../../protocols/call-frame.ts';
import { createCallReceiver, type CallPointObservation, type CallReceiverOptions } from './call-receiver-support.ts';
import { createMockSerialBinding, type MockSerialBinding } from '../../drivers/serial/mock-binding.ts';
import type { TransportStatus } from '../../drivers/types.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { until } from '../fakes/wait.ts';

// serialport's mock port table is process-wide: every test takes its own path.
let portSeq = 0;
const nextPath = () => `/dev/mock-call-rx-${++portSeq}`;

const frame = (callPoint: number, event: CallFrame['event'], seq: number): CallFrame => ({ receiver: 1, callPoint, event, seq, battery: null });

function setup(
  t: { teardown(fn: () => unknown): void },
  overrides: Partial<CallReceiverOptions> & { create?: boolean; maxReadSize?: number; readyData?: Uint8Array } = {},
) {
  const binding: MockSerialBinding = createMockSerialBinding();
  const path = nextPath();
  const { create, maxReadSize, readyData, ...receiverOverrides } = overrides;
  if (create !== false) binding.createPort(path, { ...(maxReadSize ? { maxReadSize } : {}), ...(readyData ? { readyData } : {}) });
  const clock = new FakeClock(1_000);
  const { logger, records } = createTestLogger();
  const observations: CallPointObservation[] = [];
  const statuses: Array<[TransportStatus, string | undefined]> = [];
  const receiver = createCallReceiver({
    portId: 'rx-test',
    binding,
    match: { path },
    logger,
    clock,
    random: () => 0.5, // full jitter: half of each ceiling
    backoff: { initialMs: 100, maxMs: 1_000, factor: 2, stableMs: 10_000 },
    onFrame: (o) => observations.push(o),
    onStatus: (s, d) => statuses.push([s, d]),
    ...receiverOverrides,
  });
  t.teardown(() => receiver.stop());
  return { binding, path, clock, logger, records, observations, statuses, receiver };
}

t.test('a frame split across reads arrives whole, and several frames in one read all arrive', async (t) => {
  const { binding, path, receiver, observations } = setup(t, { maxReadSize: 3 });
  await receiver.start();
  t.equal(receiver.status, 'open');
  const a = encodeCallFrame(frame(0x11, 'call', 1));
  const b = encodeCallFrame(frame(0x11, 'cancel', 2));
  const c = encodeCallFrame(frame(0x1234, 'pull-cord', 7));
  // 3-byte reads cut every frame; the chunk boundaries below cut them again.
  binding.emitData(path, a.subarray(0, 4));
  await until(() => receiver.stats.bytesIn === 4, 'first chunk');
  t.equal(observations.length, 0, 'no frame from a partial one');
  binding.emitData(path, Uint8Array.of(...a.subarray(4), ...b, ...c.subarray(0, 1)));
  await until(() => observations.length === 2, 'two frames');
  binding.emitData(path, c.subarray(1));
  await until(() => observations.length === 3, 'third frame');
  t.same(
    observations.map((o) => [o.portId, o.frame.callPoint, o.frame.event, o.frame.seq]),
    [
      ['rx-test', 0x11, 'call', 1],
      ['rx-test', 0x11, 'cancel', 2],
      ['rx-test', 0x1234, 'pull-cord', 7],
    ],
  );
  t.equal(receiver.stats.framesOk, 3);
  t.equal(receiver.stats.bytesIn, 33);
  t.same(receiver.stats.rejected, {});
});

t.test('garbage, bad length and bad CRC are counted by code and logged; the next good frame is read', async (t) => {
  const { binding, path, receiver, observations, records } = setup(t);
  await receiver.start();
  const bad = encodeCallFrame(frame(5, 'call', 1));
  bad[10]! ^= 0x01; // flip a CRC bit
  const good = encodeCallFrame(frame(5, 'call', 2));
  binding.emitData(path, Uint8Array.of(0x00, 0x13, 0x37, 0xa5, 0x02, ...bad, ...good));
  await until(() => observations.length === 1, 'good frame');
  t.same(observations[0]!.frame, frame(5, 'call', 2));
  const rejected = receiver.stats.rejected;
  t.equal(rejected['bad-crc'], 1, 'one bad CRC');
  t.equal(rejected['bad-length'], 1, 'one bad LEN');
  t.ok((rejected.garbage ?? 0) >= 1, 'the leading noise counted as garbage');
  t.ok(records.some((r) => r.level === 20 && r.code === 'bad-crc'), 'bad CRC logged at debug');
  t.equal(receiver.status, 'open', 'bad input does not close the port');
});

t.test('bytes the port held before open are discarded, not decoded as a call of unknown age', async (t) => {
  const stale = encodeCallFrame(frame(0x30, 'call', 1));
  const { binding, path, receiver, observations } = setup(t, { readyData: stale });
  await receiver.start();
  binding.emitData(path, encodeCallFrame(frame(0x30, 'cancel', 2)));
  await until(() => observations.length >= 1, 'live frame');
  t.same(
    observations.map((o) => o.frame.event),
    ['cancel'],
  );
  t.equal(receiver.stats.bytesIn, 11, 'the stale frame never reached the framer');
});

t.test('an onFrame handler that throws is logged, and later frames still arrive', async (t) => {
  const seen: number[] = [];
  const { binding, path, receiver, records } = setup(t, {
    onFrame: (o) => {
      seen.push(o.frame.seq);
      if (o.frame.seq === 1) throw new Error('handler bug');
    },
  });
  await receiver.start();
  binding.emitData(path, Uint8Array.of(...encodeCallFrame(frame(9, 'call', 1)), ...encodeCallFrame(frame(9, 'cancel', 2))));
  await until(() => seen.length === 2, 'both frames');
  t.same(seen, [1, 2]);
  t.ok(records.some((r) => r.msg === 'onOutputs handler threw'));
});

t.test('a closed port is reopened with exponential backoff and jitter', async (t) => {
  const { binding, path, clock, receiver, observations, statuses } = setup(t);
  await receiver.start();
  t.equal(binding.openCount(path), 1);

  binding.unplug(path);
  await until(() => receiver.status === 'closed', 'close seen');
  t.equal(binding.isOpen(path), false);
  t.same(clock.pendingDelays, [50], 'first retry after half of the 100 ms ceiling (full jitter)');

  clock.runNext(); // retry fails: still unplugged
  await until(() => receiver.status === 'error', 'failed reopen');
  t.same(clock.pendingDelays, [100], 'ceiling doubles');
  clock.runNext();
  await until(() => clock.pending === 1, 'third retry scheduled');
  t.same(clock.pendingDelays, [200]);
  clock.runNext();
  await until(() => clock.pending === 1, 'fourth retry scheduled');
  t.same(clock.pendingDelays, [400]);
  clock.runNext();
  await until(() => clock.pending === 1, 'fifth retry scheduled');
  t.same(clock.pendingDelays, [500], 'capped at maxMs 1000, × 0.5');

  binding.replug(path);
  clock.runNext();
  await until(() => receiver.status === 'open', 'reopened');
  t.equal(clock.pending, 0, 'no retry left once open');
  t.equal(binding.openCount(path), 2);
  t.equal(receiver.stats.reopens, 1);
  t.match(
    statuses.map(([s]) => s),
    ['opening', 'open', 'closed', 'opening', 'error', 'opening', 'error', 'opening', 'error', 'opening', 'error', 'opening', 'open'],
  );

  binding.emitData(path, encodeCallFrame(frame(3, 'call', 40)));
  await until(() => observations.length === 1, 'frame after reopen');
  t.equal(observations[0]!.frame.seq, 40);

  // Closed again soon after: the connection was not stable, so backoff keeps growing…
  binding.unplug(path);
  await until(() => clock.pending === 1, 'retry after second close');
  t.same(clock.pendingDelays, [500]);
  // …whereas a connection that lasted stableMs starts again from the initial delay.
  binding.replug(path);
  clock.runNext();
  await until(() => receiver.status === 'open', 'reopened again');
  clock.advance(10_000);
  binding.unplug(path);
  await until(() => clock.pending === 1, 'retry after stable connection closed');
  t.same(clock.pendingDelays, [50]);
});

t.test('full jitter spreads the delay over the whole window, from 0 to the ceiling', async (t) => {
  for (const [random, expected] of [
    [0, 0],
    [0.999, 99],
  ] as const) {
    const { receiver, clock } = setup(t, { create: false, random: () => random });
    await receiver.start(); // the port does not exist: first open fails
    t.equal(receiver.status, 'error');
    t.same(clock.pendingDelays, [expected], `random ${random}`);
    await receiver.stop();
  }
});

t.test('a port that is missing at start is retried until it appears', async (t) => {
  const { binding, path, clock, receiver, statuses } = setup(t, { create: false });
  await receiver.start();
  t.equal(receiver.status, 'error');
  t.match(statuses.at(-1)?.[1], /cannot open/);
  binding.createPort(path);
  clock.runNext();
  await until(() => receiver.status === 'open', 'open after port appears');
  t.equal(receiver.stats.reopens, 0, 'a first successful open is not a reopen');
});

t.test('ports are matched by USB ids and serial number', async (t) => {
  const binding = createMockSerialBinding();
  const other = nextPath();
  const ours = nextPath();
  binding.createPort(other, { vendorId: '0403', productId: '6001', serialNumber: 'AAAA' });
  binding.createPort(ours, { vendorId: '0403', productId: '6001', serialNumber: 'BBBB' });
  const { logger } = createTestLogger('silent');
  const observations: CallPointObservation[] = [];
  const receiver = createCallReceiver({
    portId: 'rx-ids',
    binding,
    logger,
    clock: new FakeClock(),
    match: { vendorId: '0x0403', productId: '6001', serialNumber: 'BBBB' },
    onFrame: (o) => observations.push(o),
  });
  t.teardown(() => receiver.stop());
  await receiver.start();
  t.equal(receiver.status, 'open');
  t.ok(binding.isOpen(ours));
  t.notOk(binding.isOpen(other));
});

t.test('a silent port is reopened after idleReopenMs; data keeps it open', async (t) => {
  const { binding, path, clock, receiver, statuses } = setup(t, { idleReopenMs: 5_000 });
  await receiver.start();
  clock.advance(3_000);
  binding.emitData(path, encodeCallFrame(frame(2, 'heartbeat', 1)));
  await until(() => receiver.stats.framesOk === 1, 'heartbeat');
  clock.advance(3_000); // 6 s since open, 3 s since the heartbeat
  t.equal(receiver.status, 'open', 'data within the window keeps the port');
  t.equal(binding.openCount(path), 1);
  clock.advance(2_000); // 5 s of silence
  t.equal(receiver.status, 'closed');
  t.match(statuses.at(-1)?.[1], /no data for 5000 ms/);
  t.same(clock.pendingDelays, [50], 'reopen scheduled with backoff');
  clock.runNext();
  await until(() => receiver.status === 'open', 'reopened');
  t.equal(binding.openCount(path), 2);
  t.equal(receiver.stats.reopens, 1);
  await receiver.stop();
  t.equal(clock.pending, 0, 'stop() cleared the idle timer');
});

t.test('stop() closes the port and leaves no timer or listener', async (t) => {
  await t.test('while open', async (t) => {
    const { binding, path, clock, receiver, statuses } = setup(t);
    await receiver.start();
    t.ok(binding.subscriberCount(path) > 0);
    await receiver.stop();
    t.equal(binding.isOpen(path), false);
    t.equal(binding.subscriberCount(path), 0, 'no listener left on the connection');
    t.equal(clock.pending, 0, 'no timer');
    t.same(statuses.at(-1), ['closed', 'stopped']);
    // Bytes or closes after stop reach nobody and schedule nothing.
    binding.unplug(path);
    t.equal(clock.pending, 0);
  });
  await t.test('while waiting to retry', async (t) => {
    const { receiver, clock } = setup(t, { create: false });
    await receiver.start();
    t.equal(clock.pending, 1);
    await receiver.stop();
    t.equal(clock.pending, 0);
    t.equal(receiver.status, 'closed');
  });
  await t.test('while an open is in flight', async (t) => {
    const { binding, path, receiver, clock } = setup(t);
    const started = receiver.start();
    await receiver.stop();
    await started;
    t.equal(binding.isOpen(path), false, 'the port that opened late was closed');
    t.equal(binding.subscriberCount(path), 0);
    t.equal(clock.pending, 0);
    t.equal(receiver.status, 'closed');
  });
});
