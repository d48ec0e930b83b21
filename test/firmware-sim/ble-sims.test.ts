// The BLE device sims (docs/firmware-sim.md#ble): every value they send decodes with protocols/gatt
// back to what it was given, and through the BLE driver on the simulated radio a strap streams the
// resident's pulse and a glucose meter hands over its stored records on the RACP request.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { createBleDriver, type BleReading } from '../../drivers/ble/ble-driver.ts';
import { SimulatedCentral } from '../../drivers/ble/simulated-central.ts';
import { decodeGatt } from '../../protocols/gatt/index.ts';
import { BLE_SIM_KINDS, createBleDeviceSim, type BleMeasurement, type BleSimKind } from '../../firmware-sim/ble-sims.ts';
import { createVitalsState } from '../../firmware-sim/vitals.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { until } from '../fakes/wait.ts';

const ADDRESS = 'c0:ff:ee:00:00:42';

/** A driver on a simulated radio bound to one sim of `kind`. */
async function connected(t: Test, kind: BleSimKind, vitals = createVitalsState()) {
  const clock = new FakeClock(Date.UTC(2026, 10, 25, 7, 30));
  const central = new SimulatedCentral();
  const sim = createBleDeviceSim(kind, { address: ADDRESS, clock, vitals: () => vitals.at(clock.now()) });
  central.add(sim.peripheral);
  const readings: BleReading[] = [];
  const driver = createBleDriver({
    devices: [{ id: `sim-${kind}`, address: ADDRESS, profile: kind }],
    openCentral: async () => central,
    onReadings: (r) => readings.push(r),
    logger: createTestLogger('silent').logger,
    clock,
  });
  t.teardown(async () => {
    sim.stop();
    await driver.stop();
  });
  await driver.start();
  sim.start();
  await until(() => driver.status.devices[0]!.state === 'connected', 'connected');
  return { clock, sim, readings, driver, vitals };
}

const pairs = (r: { decoded: { readings: Array<{ metric: string; value: number | null }> } } | undefined) => r?.decoded.readings.map((x) => [x.metric, x.value]);

t.test('episodic measurements decode to the values given', async (t) => {
  const cases: Array<[BleSimKind, BleMeasurement, Array<[string, number]>]> = [
    ['blood-pressure', { kind: 'blood-pressure', systolic: 142, diastolic: 88, pulse: 77 }, [['systolic-bp', 142], ['diastolic-bp', 88], ['mean-bp', 106], ['heart-rate', 77]]],
    ['health-thermometer', { kind: 'temperature', celsius: 38.4 }, [['body-temperature', 38.4]]],
    ['pulse-oximeter', { kind: 'spot-check', spo2: 91, pulse: 66 }, [['spo2', 91], ['heart-rate', 66]]],
    ['weight-scale', { kind: 'weight', kg: 63.2 }, [['body-weight', 63.2]]],
  ];
  for (const [kind, m, expected] of cases) {
    const sim = createBleDeviceSim(kind, { address: ADDRESS, clock: new FakeClock() });
    sim.measure(m);
    const { uuid, bytes } = sim.sent.at(-1)!;
    t.same(
      decodeGatt(uuid, bytes).readings.map((r) => [r.metric, r.value]),
      expected,
      kind,
    );
  }
});

t.test('a measurement the device cannot take is a coded error', async (t) => {
  const sim = createBleDeviceSim('weight-scale', { address: ADDRESS, clock: new FakeClock() });
  t.throws(() => sim.measure({ kind: 'temperature', celsius: 37 }), { name: 'BleSimError', code: 'wrong-measurement' });
});

t.test('blood pressure and weight round-trip over their ranges (fast-check)', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 60, max: 250 }), fc.integer({ min: 30, max: 59 }), fc.integer({ min: 0, max: 3000 }), (sys, dia, decigrams) => {
      const cuff = createBleDeviceSim('blood-pressure', { address: ADDRESS, clock: new FakeClock() });
      cuff.measure({ kind: 'blood-pressure', systolic: sys, diastolic: dia });
      const bp = decodeGatt('2a35', cuff.sent[0]!.bytes).readings;
      const scale = createBleDeviceSim('weight-scale', { address: ADDRESS, clock: new FakeClock() });
      const kg = decigrams / 10; // the scale's resolution is 5 g; 100 g steps stay exact
      scale.measure({ kind: 'weight', kg });
      const w = decodeGatt('2a9d', scale.sent[0]!.bytes).readings;
      return bp[0]!.value === sys && bp[1]!.value === dia && w[0]!.value === kg;
    }),
  );
});

t.test('every BLE sim kind builds a peripheral with its profile service', async (t) => {
  for (const kind of BLE_SIM_KINDS) {
    const sim = createBleDeviceSim(kind, { address: ADDRESS, clock: new FakeClock() });
    t.equal(sim.peripheral.advertisedServices.length, 1, kind);
  }
});

t.test('a heart-rate strap streams the resident pulse once a second through the BLE driver', async (t) => {
  const vitals = createVitalsState({ pulse: 64 });
  const { clock, readings } = await connected(t, 'heart-rate', vitals);
  clock.advance(1_000);
  await until(() => readings.some((r) => r.characteristic === '2a37'), 'first value');
  t.same(pairs(readings.filter((r) => r.characteristic === '2a37').at(-1)), [['heart-rate', 64]]);
  vitals.set({ pulse: 99 });
  clock.advance(1_000);
  await until(() => readings.filter((r) => r.characteristic === '2a37').length === 2, 'second value');
  t.same(pairs(readings.filter((r) => r.characteristic === '2a37').at(-1)), [['heart-rate', 99]]);
});

t.test('a PLX oximeter streams while the finger is in, and nothing while it is out', async (t) => {
  const vitals = createVitalsState({ spo2: 95, pulse: 70 });
  const { clock, readings, sim } = await connected(t, 'pulse-oximeter', vitals);
  clock.advance(2_000);
  await until(() => readings.filter((r) => r.characteristic === '2a5f').length === 2, 'two values');
  t.same(pairs(readings.at(-1)), [['spo2', 95], ['heart-rate', 70]]);
  vitals.set({ fingerIn: false });
  const before = sim.sent.length;
  clock.advance(3_000);
  await until(() => true);
  t.equal(sim.sent.length, before, 'no value without a finger');
});

t.test('a glucose meter sends its stored records when the driver asks through the RACP', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 10, 25, 7, 30));
  const central = new SimulatedCentral();
  const sim = createBleDeviceSim('glucose', { address: ADDRESS, clock });
  sim.measure({ kind: 'glucose', mmolPerL: 5.6 });
  sim.measure({ kind: 'glucose', mmolPerL: 7.1 });
  central.add(sim.peripheral);
  const readings: BleReading[] = [];
  const driver = createBleDriver({
    devices: [{ id: 'meter', address: ADDRESS, profile: 'glucose' }],
    openCentral: async () => central,
    onReadings: (r) => readings.push(r),
    logger: createTestLogger('silent').logger,
    clock,
  });
  t.teardown(async () => {
    sim.stop();
    await driver.stop();
  });
  await driver.start();
  sim.start();
  await until(() => readings.filter((r) => r.characteristic === '2a18').length === 2, 'both records');
  t.same(
    readings.filter((r) => r.characteristic === '2a18').map((r) => pairs(r)),
    [[['glucose-molar', 5.6]], [['glucose-molar', 7.1]]],
  );
  const racp = sim.sent.filter((s) => s.uuid === '2a52').map((s) => decodeGatt('2a52', s.bytes));
  t.match(racp, [{ opCode: 'response-code', requestOpCode: 1, responseCode: 1 }], 'success after the records');
});
