// The serial device sims' bytes decode, with the project's own codecs, back to the values they were
// given (round trip); the CMS50 V7 sim speaks only after the host's start command and stops without
// keep-alive; the streams keep 60 Hz by the clock (docs/firmware-sim.md#cms50, #radars).
import t from 'tap';
import fc from 'fast-check';
import {
  CMS50_V7_COMMANDS,
  CMS50_V7_KEEP_ALIVE,
  CMS50_V7_START,
  createCms50LegacyFramer,
  createCms50V7Framer,
  createLd2410Framer,
  createSeeedRadarFramer,
  decodeCms50Legacy,
  decodeCms50V7,
  decodeLd2410,
  decodeSeeedRadar,
  encodeCms50Legacy,
  encodeCms50V7Command,
  encodeCms50V7RealTime,
  encodeLd2410Report,
  type Cms50V7RealTime,
  type Ld2410Report,
} from '../../protocols/serial/index.ts';
import { cms50LegacyFields, cms50V7Fields, createCms50Sim } from '../../firmware-sim/cms50-sim.ts';
import { createLd2410Sim, ld2410Fields } from '../../firmware-sim/ld2410-sim.ts';
import { createSeeedRadarSim } from '../../firmware-sim/seeed-radar-sim.ts';
import type { SimPort } from '../../firmware-sim/sim-serial-port.ts';
import { DEFAULT_VITALS, type Vitals } from '../../firmware-sim/vitals.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { until } from '../fakes/wait.ts';

/** A port that records what the device wrote and lets the test play the host. */
function fakePort() {
  const written: Uint8Array[] = [];
  const listeners = new Set<(b: Uint8Array) => void>();
  let open = true;
  const port: SimPort & { host(bytes: Uint8Array): void; setOpen(o: boolean): void } = {
    get isOpen() {
      return open;
    },
    async write(bytes) {
      if (!open) return false;
      written.push(bytes);
      return true;
    },
    onData(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    host(bytes) {
      for (const cb of listeners) cb(bytes);
    },
    setOpen(o) {
      open = o;
    },
  };
  return { port, written, all: () => Uint8Array.from(written.flatMap((b) => [...b])) };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

const vitalsArb = fc.record({
  spo2: fc.integer({ min: 1, max: 100 }),
  pulse: fc.integer({ min: 25, max: 250 }),
  temperature: fc.constant(36.8),
  respiration: fc.constant(14),
  fingerIn: fc.constant(true),
});

t.test('CMS50 V7 frames decode to the vitals they were built from', async (t) => {
  fc.assert(
    fc.property(vitalsArb, fc.nat(10_000), (v, frame) => {
      const decoded = decodeCms50V7(encodeCms50V7RealTime(cms50V7Fields(v, frame))) as Cms50V7RealTime;
      return (
        decoded.status === 'measuring' &&
        decoded.readings.find((r) => r.metric === 'spo2')?.value === v.spo2 &&
        decoded.readings.find((r) => r.metric === 'heart-rate')?.value === v.pulse &&
        decoded.lowSpo2 === v.spo2 < 90
      );
    }),
  );
});

t.test('CMS50 legacy frames decode to the vitals they were built from', async (t) => {
  fc.assert(
    fc.property(vitalsArb, fc.nat(10_000), (v, frame) => {
      const decoded = decodeCms50Legacy(encodeCms50Legacy(cms50LegacyFields(v, frame)));
      return decoded.status === 'measuring' && decoded.readings.find((r) => r.metric === 'spo2')?.value === v.spo2 && decoded.readings.find((r) => r.metric === 'heart-rate')?.value === v.pulse;
    }),
  );
});

t.test('finger out: both protocols say finger-out and send no values', async (t) => {
  const out: Vitals = { ...DEFAULT_VITALS, fingerIn: false };
  const v7 = decodeCms50V7(encodeCms50V7RealTime(cms50V7Fields(out, 0))) as Cms50V7RealTime;
  t.equal(v7.status, 'finger-out');
  t.same(v7.readings, []);
  const legacy = decodeCms50Legacy(encodeCms50Legacy(cms50LegacyFields(out, 0)));
  t.equal(legacy.status, 'finger-out');
  t.same(legacy.readings, []);
});

t.test('values the device cannot say are clamped to what it can (never its invalid markers)', async (t) => {
  const low = decodeCms50V7(encodeCms50V7RealTime(cms50V7Fields({ ...DEFAULT_VITALS, spo2: 0.2, pulse: 300 }, 0))) as Cms50V7RealTime;
  t.same(
    low.readings.filter((r) => r.metric !== 'pulse-amplitude-index').map((r) => [r.metric, r.value]),
    [['heart-rate', 254], ['spo2', 1]],
  );
});

t.test('the V7 sim is silent until the start command, then streams 60 packets a second', async (t) => {
  const clock = new FakeClock();
  const { port, written, all } = fakePort();
  const sim = createCms50Sim({ protocol: 'v7', port, clock, vitals: () => ({ ...DEFAULT_VITALS, spo2: 93, pulse: 81 }) });
  sim.start();
  t.teardown(() => sim.stop());
  clock.advance(5_000);
  await flush();
  t.equal(written.length, 0, 'nothing without the start command');
  t.notOk(sim.streaming);
  port.host(encodeCms50V7Command(CMS50_V7_COMMANDS.deviceId)); // another command does not start it
  clock.advance(1_000);
  await flush();
  t.equal(written.length, 0);
  // The host's start arrives split across two reads, as a UART delivers it.
  port.host(CMS50_V7_START.subarray(0, 4));
  port.host(CMS50_V7_START.subarray(4));
  t.ok(sim.streaming);
  clock.advance(1_000);
  await flush();
  const packets = createCms50V7Framer().push(all());
  t.equal(packets.length, 60, '60 packets in the first second');
  const decoded = packets.map((p) => decodeCms50V7(p) as Cms50V7RealTime);
  t.ok(decoded.every((d) => d.type === 0x01 && d.pulseRate === 81 && d.spo2 === 93), 'every packet carries the vitals');
  t.equal(sim.framesSent, 60);
  t.same(sim.commands, [CMS50_V7_COMMANDS.deviceId, CMS50_V7_COMMANDS.startRealTime]);
});

t.test('the V7 sim keeps streaming with keep-alives and stops without them, or on the stop command', async (t) => {
  const clock = new FakeClock();
  const { port } = fakePort();
  const sim = createCms50Sim({ protocol: 'v7', port, clock, vitals: () => DEFAULT_VITALS, keepAliveTimeoutMs: 15_000 });
  sim.start();
  t.teardown(() => sim.stop());
  port.host(CMS50_V7_START);
  for (let i = 0; i < 6; i++) {
    clock.advance(5_000);
    port.host(CMS50_V7_KEEP_ALIVE);
  }
  await flush();
  t.ok(sim.streaming, 'still streaming after 30 s of keep-alives');
  t.equal(sim.framesSent, 30 * 60);
  clock.advance(15_000);
  t.ok(sim.streaming, 'not before the timeout');
  clock.advance(100);
  t.notOk(sim.streaming, 'stopped: no keep-alive for 15 s');
  await flush();
  const sent = sim.framesSent;
  clock.advance(5_000);
  await flush();
  t.equal(sim.framesSent, sent, 'silent after the timeout');
  port.host(CMS50_V7_START);
  t.ok(sim.streaming, 'a new start restarts it');
  port.host(encodeCms50V7Command(CMS50_V7_COMMANDS.stopRealTime));
  t.notOk(sim.streaming, 'stop command');
});

t.test('the legacy sim streams from power-on; frames written while unplugged are lost, not queued', async (t) => {
  const clock = new FakeClock();
  const { port, written, all } = fakePort();
  let fingerIn = true;
  const sim = createCms50Sim({ protocol: 'legacy', port, clock, vitals: () => ({ ...DEFAULT_VITALS, fingerIn }) });
  sim.start();
  t.teardown(() => sim.stop());
  clock.advance(500);
  await flush();
  t.equal(createCms50LegacyFramer().push(all()).length, 30, '30 frames in half a second');
  port.setOpen(false);
  clock.advance(2_000);
  await flush();
  port.setOpen(true);
  written.length = 0;
  fingerIn = false;
  clock.advance(500);
  await flush();
  const frames = createCms50LegacyFramer().push(all()).map(decodeCms50Legacy);
  t.equal(frames.length, 30, 'no burst of the frames missed while unplugged');
  t.ok(frames.every((f) => f.status === 'finger-out'), 'the vitals are read at each tick');
});

t.test('Seeed radar: reports decode back; a fall says presence then fall; heartbeats by the clock', async (t) => {
  const clock = new FakeClock();
  const { port, all } = fakePort();
  const sim = createSeeedRadarSim({ port, clock, aliveEveryMs: 10_000 });
  sim.start();
  t.teardown(() => sim.stop());
  await sim.fall();
  await sim.motion('moving');
  await sim.presence(false);
  clock.advance(20_000);
  await flush();
  const decoded = createSeeedRadarFramer().push(all()).map(decodeSeeedRadar);
  t.same(
    decoded.map((d) => d.report),
    [{ kind: 'presence', present: true }, { kind: 'fall', fallen: true }, { kind: 'motion', motion: 'moving' }, { kind: 'presence', present: false }, { kind: 'motion', motion: 'none' }, { kind: 'alive' }, { kind: 'alive' }],
  );
  t.same(decoded.at(-1)!.states, [{ kind: 'device-status', status: 'alive' }]);
});

t.test('Seeed radar: any report round-trips (fast-check)', async (t) => {
  const report = fc.oneof(
    fc.constant({ kind: 'alive' as const }),
    fc.record({ kind: fc.constant('presence' as const), present: fc.boolean() }),
    fc.record({ kind: fc.constant('motion' as const), motion: fc.constantFrom('none' as const, 'stationary' as const, 'moving' as const) }),
    fc.record({ kind: fc.constant('body-movement' as const), level: fc.integer({ min: 0, max: 100 }) }),
    fc.record({ kind: fc.constant('fall' as const), fallen: fc.boolean() }),
  );
  await fc.assert(
    fc.asyncProperty(report, async (r) => {
      const { port, all } = fakePort();
      const sim = createSeeedRadarSim({ port, clock: new FakeClock() });
      await sim.report(r);
      const frames = createSeeedRadarFramer().push(all());
      return frames.length === 1 && JSON.stringify(decodeSeeedRadar(frames[0]!).report) === JSON.stringify(r);
    }),
  );
});

t.test('LD2410: reports at 10 Hz decode to the scene', async (t) => {
  const clock = new FakeClock();
  const { port, all } = fakePort();
  const sim = createLd2410Sim({ port, clock });
  sim.start();
  t.teardown(() => sim.stop());
  clock.advance(300);
  sim.set({ target: 'moving', distanceCm: 220 });
  clock.advance(200);
  sim.set({ target: 'stationary' });
  clock.advance(100);
  await until(() => sim.reportsSent === 6);
  const reports = createLd2410Framer().push(all()).map((f) => decodeLd2410(f) as Ld2410Report);
  t.same(
    reports.map((r) => [r.target, r.movingDistanceCm, r.staticDistanceCm]),
    [['none', 0, 0], ['none', 0, 0], ['none', 0, 0], ['moving', 220, 0], ['moving', 220, 0], ['stationary', 0, 150]],
  );
  t.same(reports[3]!.states, [{ kind: 'presence', present: true }, { kind: 'motion', motion: 'moving' }]);
  for (const target of ['none', 'moving', 'stationary', 'both'] as const) {
    const f = ld2410Fields({ target, distanceCm: 90 });
    t.equal((decodeLd2410(createLd2410Framer().push(encodeLd2410Report(f))[0]!) as Ld2410Report).target, target);
  }
});
