/**
 * The BLE transport in the hub (docs/ble.md, docs/devices.md#ble): a bound cuff's measurement and
 * battery become events through its model; a missing adapter leaves the hub running and says so; no
 * BLE device, no adapter opened. The radio is the simulated central behind the same interface.
 */
import t from 'tap';
import { BleUnavailableError } from '../../drivers/ble/ble-central.ts';
import { SimulatedCentral } from '../../drivers/ble/simulated-central.ts';
import { SimulatedPeripheral } from '../../drivers/ble/simulated-peripheral.ts';
import { createHub } from '../../hub/main.ts';
import { encodeBatteryLevel } from '../../protocols/gatt/battery-level.ts';
import { bloodPressureMeasurement } from '../../protocols/gatt/blood-pressure-measurement.ts';
import { toMedNumber } from '../../protocols/gatt/ieee11073.ts';
import { intermediateCuffPressure } from '../../protocols/gatt/intermediate-cuff-pressure.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually, eventuallyAsync } from '../fakes/wait.ts';
import { hubConfig } from './support.ts';

const CUFF = 'c0:ff:ee:10:20:30';
const cuffDevice = { id: 'cuff-101', roomId: 'room-101', residentId: 'res-1', model: 'ble-blood-pressure-monitor', ble: { address: CUFF } };

function cuffPeripheral(): SimulatedPeripheral {
  return new SimulatedPeripheral({
    address: CUFF,
    services: [
      { uuid: 0x1810, characteristics: [{ uuid: 0x2a35, properties: ['indicate'] }, { uuid: 0x2a36, properties: ['notify'] }] },
      { uuid: 0x180f, characteristics: [{ uuid: 0x2a19, properties: ['read'], value: encodeBatteryLevel({ level: 64 }) }] },
    ],
  });
}

t.test('a bound cuff\'s measurement and battery become events; the cuff inflating does not', async (t) => {
  const central = new SimulatedCentral();
  const cuff = cuffPeripheral();
  central.add(cuff);
  const { logger } = createTestLogger('silent');
  const hub = createHub(hubConfig({ dataDir: t.testdir(), receivers: [], devices: [cuffDevice] }), { logger, openBleCentral: async () => central });
  await hub.start();
  t.teardown(() => hub.stop());
  await eventually(() => {
    cuff.advertise();
    return /carehub_hub_ble_devices_connected 1\n/.test(hub.metrics.render());
  }, 'the cuff is connected');
  const sf = (v: number) => toMedNumber(v, 0);
  cuff.notify('2a36', intermediateCuffPressure.encode({ unit: 'mmHg', cuffPressure: sf(150) }));
  cuff.notify('2a35', bloodPressureMeasurement.encode({ unit: 'kPa', systolic: toMedNumber(16.0, 1), diastolic: toMedNumber(10.7, 1), meanArterialPressure: toMedNumber(12.5, 1) }));
  await eventually(() => hub.metrics.get('inputs_total', { kind: 'reading', via: 'ble' }) === 3, 'three readings');
  await eventually(() => hub.metrics.get('inputs_total', { kind: 'status', via: 'ble' }) === 1, 'the battery');
  // An input may be sendable only once its rules ran: wait until all four are in the outbox.
  let events: Awaited<ReturnType<typeof hub.outbox.peek>> = [];
  await eventuallyAsync(async () => {
    events = await hub.outbox.peek(100);
    return events.filter((e) => e.kind === 'reading' || e.kind === 'device-status').length === 4;
  }, 'the readings and the battery in the outbox');
  t.same(
    events.filter((e) => e.kind === 'reading').map((e) => e.kind === 'reading' && [e.deviceId, e.residentId, e.payload.metric, Math.round(e.payload.value), e.payload.unit]),
    [
      ['cuff-101', 'res-1', 'systolic-bp', 120, 'mm[Hg]'],
      ['cuff-101', 'res-1', 'diastolic-bp', 80, 'mm[Hg]'],
      ['cuff-101', 'res-1', 'mean-bp', 94, 'mm[Hg]'],
    ],
    'kPa converted; the intermediate cuff pressure stored nothing',
  );
  t.match(events.find((e) => e.kind === 'device-status'), { deviceId: 'cuff-101', payload: { status: 'online', battery: 64 } });
  t.match(hub.metrics.render(), /carehub_hub_ble_adapter\{state="ready"\} 1\n/);
});

t.test('without an adapter the hub runs on and its metrics say so', async (t) => {
  const { logger, records } = createTestLogger('warn');
  const hub = createHub(hubConfig({ dataDir: t.testdir(), devices: [cuffDevice, { id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: 'a'.repeat(64) } }], receivers: [] }), {
    logger,
    openBleCentral: async () => {
      throw new BleUnavailableError('not-powered-on', 'adapter unsupported');
    },
  });
  await hub.start();
  t.teardown(() => hub.stop());
  t.match(hub.metrics.render(), /carehub_hub_ble_adapter\{state="no-adapter"\} 1\n/);
  t.ok(records.some((r) => r.msg === 'BLE adapter status' && r.adapter === 'no-adapter'), 'logged');
});

t.test('no BLE device: the adapter is never opened', async (t) => {
  let opened = 0;
  const { logger } = createTestLogger('silent');
  const hub = createHub(hubConfig({ dataDir: t.testdir(), receivers: [], devices: [{ id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: 'a'.repeat(64) } }] }), {
    logger,
    openBleCentral: async () => {
      opened++;
      return new SimulatedCentral();
    },
  });
  await hub.start();
  t.teardown(() => hub.stop());
  t.equal(opened, 0);
  t.notMatch(hub.metrics.render(), /ble_adapter/);
});
