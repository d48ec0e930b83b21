import t from 'tap';
import { glucoseMeasurement } from '../../../protocols/gatt/glucose-measurement.ts';
import { decodeRacpRequest, encodeRacpResponse } from '../../../protocols/gatt/record-access-control-point.ts';
import { BleDriverError, createBleDriver } from '../../../drivers/ble/ble-driver.ts';
import { BleUnavailableError, type BleCentral } from '../../../drivers/ble/ble-central.ts';
import { SimulatedCentral } from '../../../drivers/ble/simulated-central.ts';
import { SimulatedPeripheral } from '../../../drivers/ble/simulated-peripheral.ts';
import { createTestLogger } from '../../fakes/test-logger.ts';
import { until } from '../../fakes/wait.ts';
import {
  BACKOFF,
  GLUCOSE_ADDRESS,
  glucosePeripheral,
  heartRatePeripheral,
  HR_ADDRESS,
  hrBytes,
  LINK_SILENCE_MS,
  SCAN_SILENCE_MS,
  setup,
} from './ble-support.ts';

t.test('a bound device is found by its service, connected, subscribed, and its values arrive decoded with its battery', async (t) => {
  const hr = heartRatePeripheral();
  const { central, driver, readings, device, values } = setup(t, { peripherals: [hr] });
  await driver.start();
  t.equal(driver.status.adapter, 'ready');
  t.ok(central.scanning, 'scanning');
  t.same(central.scanFilter, ['180d'], 'scans by the profile service UUID');
  t.equal(device().state, 'scanning');

  t.ok(hr.advertise(), 'the central saw the advertisement');
  await until(() => device().state === 'connected' && device().battery !== null, 'connected, battery read');
  t.ok(hr.isSubscribed(0x2a37), 'notifications on for Heart Rate Measurement');
  t.equal(device().battery, 87);
  t.notOk(central.scanning, 'no scan while every bound device is connected');

  for (const bpm of [72, 74, 180]) t.ok(hr.notify(0x2a37, hrBytes(bpm)));
  t.same(values(), [72, 74, 180]);
  const hrReading = readings.find((r) => r.characteristic === '2a37')!;
  t.equal(hrReading.deviceId, 'hrm-1');
  t.match(hrReading.decoded, { sensorContact: 'detected', readings: [{ metric: 'heart-rate', value: 72, unit: '/min' }] });
  t.match(readings.find((r) => r.characteristic === '2a19')!.decoded, { level: 87 });
  t.equal(driver.stats.valuesDecoded, 4, '3 heart rates + 1 battery level');
  t.equal(device().address, HR_ADDRESS, 'address normalised from the upper-case config');
  t.equal(device().lastValueAt, 10_000);
});

t.test('advertisements from addresses nobody bound are ignored, even with the right service', async (t) => {
  const stranger = heartRatePeripheral('de:ad:be:ef:00:09');
  const { driver, device } = setup(t, { peripherals: [heartRatePeripheral(), stranger] });
  await driver.start();
  t.ok(stranger.advertise());
  t.ok(stranger.advertise());
  await until(() => driver.stats.unboundAdvertisements === 2, 'counted');
  t.equal(stranger.connectRequests, 0, 'never connected');
  t.equal(device().state, 'scanning');
});

t.test('the peripheral disconnects mid-stream: the driver backs off, reconnects, and readings continue', async (t) => {
  const hr = heartRatePeripheral();
  const { central, clock, driver, device, values, setRandom } = setup(t, { peripherals: [hr] });
  setRandom(0.999);
  await driver.start();
  hr.advertise();
  await until(() => device().state === 'connected', 'connected');
  hr.notify(0x2a37, hrBytes(70));
  hr.notify(0x2a37, hrBytes(71));

  hr.disconnect();
  t.equal(device().state, 'backoff');
  t.match(device().detail, /disconnected: remote user terminated/);
  t.same(clock.pendingDelays.filter((d) => d > 0 && d < BACKOFF.initialMs + 1), [999], 'first delay: full jitter under initialMs');
  t.notOk(hr.advertise(), 'not scanning during the backoff: nobody else is waiting');
  t.equal(hr.connectRequests, 1);

  clock.advance(999);
  t.equal(device().state, 'scanning');
  t.ok(central.scanning, 'scanning again after the backoff');
  hr.advertise();
  await until(() => device().state === 'connected', 'reconnected');
  hr.notify(0x2a37, hrBytes(72));
  hr.notify(0x2a37, hrBytes(73));
  t.same(values(), [70, 71, 72, 73], 'readings continue after the reconnect');
  t.equal(driver.stats.reconnects, 1);

  // A link that did not stay up for stableMs keeps the backoff growing: the ceiling doubles.
  hr.disconnect();
  t.ok(clock.pendingDelays.includes(1_998), 'second delay under 2 x initialMs');
  clock.advance(1_998);
  hr.advertise();
  await until(() => device().state === 'connected', 'connected a third time');
  for (let ms = 0; ms < BACKOFF.stableMs; ms += 1_000) {
    clock.advance(1_000);
    hr.notify(0x2a37, hrBytes(74)); // a live stream, so the link-silence watchdog stays calm
  }
  hr.disconnect();
  t.equal(device().state, 'backoff');
  t.ok(clock.pendingDelays.includes(999), 'a link that stayed up for stableMs resets the backoff');
});

t.test('backoff delays are capped at maxMs', async (t) => {
  const hr = heartRatePeripheral();
  hr.connectBehaviour = 'refuse';
  const { clock, driver, device, setRandom } = setup(t, { peripherals: [hr] });
  setRandom(0.999);
  await driver.start();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    hr.advertise();
    await until(() => device().state === 'backoff', `backoff ${i}`);
    const delay = clock.pendingDelays.find((d) => d < SCAN_SILENCE_MS)!;
    delays.push(delay);
    t.match(device().detail, /connect failed: connection refused/);
    clock.advance(delay);
  }
  t.same(delays, [999, 1_998, 3_996, 7_992, 7_992, 7_992], 'ceiling 1, 2, 4, 8, 8, 8 s');
  t.equal(driver.stats.connectFailures, 6);
});

t.test('a silent link drop (no disconnect event) is caught by the watchdog; scanning restarts and readings continue', async (t) => {
  const hr = heartRatePeripheral();
  const { central, clock, driver, device, values, records } = setup(t, { peripherals: [hr] });
  await driver.start();
  hr.advertise();
  await until(() => device().state === 'connected', 'connected');

  // A streaming device that keeps talking is never dropped.
  for (let s = 0; s < 3 * LINK_SILENCE_MS; s += 1_000) {
    clock.advance(1_000);
    hr.notify(0x2a37, hrBytes(60 + (s / 1_000) % 10));
  }
  t.equal(device().state, 'connected', 'a talking link stays up');
  const scansBefore = central.scanStarts;

  hr.dropSilently();
  t.notOk(hr.notify(0x2a37, hrBytes(99)), 'values stop');
  clock.advance(LINK_SILENCE_MS - 1);
  t.equal(device().state, 'connected', 'not yet');
  clock.advance(1);
  t.equal(device().state, 'scanning');
  t.match(device().detail, /link silent for 5000 ms/);
  t.equal(driver.stats.silentDrops, 1);
  await until(() => central.scanStarts === scansBefore + 1, 'scan restarted');
  t.ok(central.scanning);
  t.ok(records.some((r) => r.msg === 'restarting the BLE scan'), 'the restart is logged');

  hr.advertise();
  await until(() => device().state === 'connected', 'reconnected');
  const before = values().length;
  hr.notify(0x2a37, hrBytes(88));
  t.same(values().slice(before), [88], 'readings continue');
});

t.test('an episodic device (blood pressure cuff) is never dropped for being quiet', async (t) => {
  const cuff = new SimulatedPeripheral({
    address: 'c0:ff:ee:00:00:03',
    services: [{ uuid: 0x1810, characteristics: [{ uuid: 0x2a35, properties: ['indicate'] }, { uuid: 0x2a36, properties: ['notify'] }] }],
  });
  const { clock, driver, device } = setup(t, { peripherals: [cuff], devices: [{ id: 'cuff', address: cuff.address, profile: 'blood-pressure' }] });
  await driver.start();
  cuff.advertise();
  await until(() => device('cuff').state === 'connected', 'connected');
  t.ok(cuff.isSubscribed(0x2a35) && cuff.isSubscribed(0x2a36), 'both characteristics subscribed');
  clock.advance(10 * LINK_SILENCE_MS);
  t.equal(device('cuff').state, 'connected');
  t.equal(driver.stats.silentDrops, 0);
});

t.test('when the adapter goes quiet the scan watchdog restarts scanning; advertisements keep it calm', async (t) => {
  const hr = heartRatePeripheral();
  const stranger = heartRatePeripheral('de:ad:be:ef:00:09');
  const { central, clock, driver, device } = setup(t, { peripherals: [hr, stranger] });
  await driver.start();
  t.equal(central.scanStarts, 1);
  for (let i = 0; i < 6; i++) {
    clock.advance(SCAN_SILENCE_MS / 2);
    stranger.advertise();
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.equal(driver.stats.scanRestarts, 0, 'other advertisers prove the scan alive');
  t.equal(central.scanStarts, 1);

  central.goQuiet();
  t.notOk(hr.advertise(), 'a stalled scan reports nothing');
  clock.advance(SCAN_SILENCE_MS);
  await until(() => central.scanStarts === 2, 'scan restarted');
  t.equal(driver.stats.scanRestarts, 1);
  t.ok(hr.advertise(), 'the restarted scan hears the device');
  await until(() => device().state === 'connected', 'connected');
});

t.test('a value that does not decode is counted by code and logged, never thrown; the next one decodes', async (t) => {
  const hr = heartRatePeripheral('c0:ff:ee:00:00:01', 101); // 101 % is reserved: a faulty battery report
  const { driver, device, values, records } = setup(t, { peripherals: [hr] });
  await driver.start();
  hr.advertise();
  await until(() => driver.stats.rejected['out-of-range'] === 1, 'battery rejected');
  t.equal(device().battery, null, 'a rejected battery level is not shown');
  t.doesNotThrow(() => hr.notify(0x2a37, Uint8Array.of(0x01, 0x48))); // flags b0=1: uint16 value, but one byte follows
  t.doesNotThrow(() => hr.notify(0x2a37, Uint8Array.of()));
  hr.notify(0x2a37, hrBytes(65));
  t.same(driver.stats.rejected, { 'out-of-range': 1, truncated: 2 });
  t.same(values(), [65]);
  t.equal(device().state, 'connected', 'bad values do not cost the link');
  const rejected = records.filter((r) => r.msg === 'BLE value rejected');
  t.match(rejected[1], { code: 'truncated', deviceId: 'hrm-1', characteristic: '2a37', hex: '01 48' });
});

t.test('a throwing onReadings handler is logged and does not stop the stream', async (t) => {
  const hr = heartRatePeripheral();
  let calls = 0;
  const { driver, device, records } = setup(t, {
    peripherals: [hr],
    onReadings: () => {
      calls++;
      throw new Error('downstream broke');
    },
  });
  await driver.start();
  hr.advertise();
  await until(() => device().state === 'connected' && calls === 1, 'connected, battery handed on');
  t.doesNotThrow(() => hr.notify(0x2a37, hrBytes(70)));
  t.equal(calls, 2);
  t.ok(records.some((r) => r.msg === 'onReadings handler threw'));
});

t.test('adapter powered off, then on: links go, status says so, devices come back without backoff', async (t) => {
  const hr = heartRatePeripheral();
  const { central, clock, driver, device, values } = setup(t, { peripherals: [hr] });
  await driver.start();
  hr.advertise();
  await until(() => device().state === 'connected', 'connected');
  hr.notify(0x2a37, hrBytes(70));

  central.powerOff();
  t.equal(driver.status.adapter, 'powered-off');
  t.equal(driver.status.detail, 'adapter poweredOff');
  t.equal(device().state, 'scanning');
  t.equal(device().detail, 'waiting for the adapter');
  t.notOk(driver.status.scanning);
  t.notOk(hr.connected);
  t.equal(clock.pending, 0, 'no backoff, no watchdog while the radio is off');

  central.powerOn();
  t.equal(driver.status.adapter, 'ready');
  t.ok(central.scanning, 'scanning again');
  hr.advertise();
  await until(() => device().state === 'connected', 'reconnected');
  hr.notify(0x2a37, hrBytes(71));
  t.same(values(), [70, 71]);

  // Should a stack power off without reporting each link's end, the driver still lets go of them.
  central.powerOff({ linkEvents: false });
  t.equal(device().state, 'scanning');
  t.equal(clock.pending, 0, 'no link-silence timer left for a link the power took');
  central.powerOn();
  hr.advertise();
  await until(() => device().state === 'connected', 'connected after a silent power-off');

  central.setState('unauthorized');
  t.equal(driver.status.adapter, 'no-adapter');
  t.equal(driver.status.detail, 'BLE unavailable: adapter unauthorized');
});

t.test('without an adapter the driver starts, says why in its status, and tries again later', async (t) => {
  const central = new SimulatedCentral().add(heartRatePeripheral());
  let opens = 0;
  const openCentral = async (): Promise<BleCentral> => {
    opens++;
    if (opens === 1) throw new BleUnavailableError('not-powered-on', 'adapter unsupported, not poweredOn after 10000 ms');
    if (opens === 2) throw new Error('hci0 busy');
    return central;
  };
  const { clock, driver } = setup(t, { openCentral, adapterRetryMs: 60_000 });
  await driver.start();
  t.same(
    { adapter: driver.status.adapter, detail: driver.status.detail },
    { adapter: 'no-adapter', detail: 'BLE unavailable: adapter unsupported, not poweredOn after 10000 ms' },
  );
  t.equal(driver.status.devices[0]!.state, 'scanning');
  clock.advance(60_000);
  await until(() => opens === 2 && driver.status.detail === 'BLE unavailable: hci0 busy', 'second attempt');
  clock.advance(60_000);
  await until(() => driver.status.adapter === 'ready', 'adapter found');
  t.ok(central.scanning);
  t.equal(opens, 3);
});

t.test('adapterRetryMs 0: one attempt, no timer left', async (t) => {
  const { clock, driver } = setup(t, { openCentral: async () => Promise.reject(new Error('no hci0')), adapterRetryMs: 0 });
  await driver.start();
  t.equal(driver.status.adapter, 'no-adapter');
  t.equal(clock.pending, 0);
});

t.test('a connection attempt that never completes is cancelled after connectTimeoutMs and retried', async (t) => {
  const hr = heartRatePeripheral();
  hr.connectBehaviour = 'stall';
  const { central, clock, driver, device } = setup(t, { peripherals: [hr], connectTimeoutMs: 7_000 });
  await driver.start();
  hr.advertise();
  await until(() => device().state === 'connecting', 'connecting');
  t.ok(hr.advertise(), 'still advertising while the connection is pending');
  t.equal(hr.connectRequests, 1, 'no second attempt while one is pending');
  clock.advance(6_999);
  t.equal(device().state, 'connecting');
  clock.advance(1);
  await until(() => device().state === 'backoff', 'gave up');
  t.match(device().detail, /no connection within 7000 ms/);
  t.equal(central.pendingConnects, 0, 'the pending request was cancelled');
  hr.connectBehaviour = 'accept';
  clock.advance(BACKOFF.initialMs);
  hr.advertise();
  await until(() => device().state === 'connected', 'connected on the next try');
});

t.test('a connection that completes after the device was given up on is closed at once', async (t) => {
  const hr = heartRatePeripheral();
  hr.connectBehaviour = 'stall';
  const { central, driver, device } = setup(t, { peripherals: [hr] });
  await driver.start();
  hr.advertise();
  await until(() => device().state === 'connecting', 'connecting');
  central.powerOff(); // the attempt is stale now
  central.powerOn();
  central.completeConnect(hr.address);
  await until(() => hr.linksOpened === 1 && !hr.connected, 'late link opened, then closed');
  t.equal(device().state, 'scanning');
});

t.test('a controller that stops scanning to connect (HCI) gets its scan back for the devices still missing', async (t) => {
  const hr = heartRatePeripheral();
  const other = heartRatePeripheral('c0:ff:ee:00:00:05');
  const central = new SimulatedCentral({ stopsScanOnConnect: true }).add(hr, other);
  const { driver, device } = setup(t, {
    openCentral: async () => central,
    devices: [
      { id: 'hrm-1', address: HR_ADDRESS, profile: 'heart-rate' },
      { id: 'hrm-2', address: other.address, profile: 'heart-rate' },
    ],
  });
  await driver.start();
  hr.advertise();
  await until(() => device('hrm-1').state === 'connected', 'first connected');
  await until(() => central.scanning, 'scanning again');
  t.ok(other.advertise(), 'the second device is heard');
  await until(() => device('hrm-2').state === 'connected', 'second connected');
});

t.test('a device without any of its profile characteristics is refused and retried', async (t) => {
  const wrong = new SimulatedPeripheral({ address: HR_ADDRESS, services: [{ uuid: 0x180d, characteristics: [{ uuid: 0x2a38, properties: ['read'] }] }] });
  const { driver, device } = setup(t, { peripherals: [wrong] });
  await driver.start();
  wrong.advertise();
  await until(() => device().state === 'backoff', 'refused');
  t.match(device().detail, /connect failed: no Heart Rate \(HRS\) characteristics/);
  t.notOk(wrong.connected, 'the link is closed');
});

t.test('glucose: subscribes, asks the Record Access Control Point for all records, then only for newer ones', async (t) => {
  const meter = glucosePeripheral();
  const stored = [1, 2, 3].map((seq) => ({
    sequenceNumber: seq,
    baseTime: { year: 2026, month: 11, day: 24, hours: 8, minutes: seq, seconds: 0 },
    concentration: { unit: 'kg/L' as const, value: { kind: 'number' as const, value: 0.00095 + seq * 0.00001, mantissa: 95 + seq, exponent: -5 }, type: 1, sampleLocation: 1 },
    contextInformationFollows: false,
  }));
  // The meter answers a RACP request as GLS says: the matching records as notifications, then a response code indication.
  meter.onWrite(0x2a52, (bytes) => {
    const request = decodeRacpRequest(bytes);
    const min = 'filter' in request && request.filter.type === 'sequence-number' ? (request.filter.min ?? 0) : 0;
    for (const record of stored.filter((r) => r.sequenceNumber >= min)) meter.notify(0x2a18, glucoseMeasurement.encode(record));
    meter.notify(0x2a52, encodeRacpResponse({ opCode: 'response-code', requestOpCode: 1, responseCode: 1 }));
  });
  const { clock, driver, device, readings } = setup(t, { peripherals: [meter], devices: [{ id: 'meter', address: GLUCOSE_ADDRESS, profile: 'glucose' }] });
  await driver.start();
  meter.advertise();
  await until(() => readings.some((r) => r.characteristic === '2a52'), 'first RACP response');
  t.ok(meter.isSubscribed(0x2a18) && meter.isSubscribed(0x2a52), 'subscribed before writing the request');
  t.same(decodeRacpRequest(meter.writes[0]!.bytes), { opCode: 'report-stored-records', operator: 'all' });
  t.ok(meter.writes[0]!.withResponse, 'a write request, as RACP requires');
  t.same(readings.filter((r) => r.characteristic === '2a18').map((r) => r.decoded.sequenceNumber), [1, 2, 3]);
  t.match(readings.find((r) => r.characteristic === '2a18')!.decoded.readings, [{ metric: 'glucose', unit: 'mg/dL' }]);
  t.match(readings.find((r) => r.characteristic === '2a52')!.decoded, { opCode: 'response-code', responseCodeName: 'success' });
  t.equal(device('meter').lastRecordSequence, 3);

  meter.disconnect();
  stored.push({ ...stored[2]!, sequenceNumber: 4 });
  clock.advance(BACKOFF.initialMs);
  meter.advertise();
  await until(() => readings.filter((r) => r.characteristic === '2a52').length === 2, 'second RACP response');
  t.same(decodeRacpRequest(meter.writes[1]!.bytes), {
    opCode: 'report-stored-records',
    operator: 'greater-or-equal',
    filter: { type: 'sequence-number', min: 4 },
  });
  t.same(readings.filter((r) => r.characteristic === '2a18').map((r) => r.decoded.sequenceNumber), [1, 2, 3, 4], 'only the new record');
  t.equal(device('meter').lastRecordSequence, 4);
});

t.test('glucose: a configured lastRecordSequence is where the first fetch starts', async (t) => {
  const meter = glucosePeripheral();
  const { driver } = setup(t, { peripherals: [meter], devices: [{ id: 'meter', address: GLUCOSE_ADDRESS, profile: 'glucose', lastRecordSequence: 41 }] });
  await driver.start();
  meter.advertise();
  await until(() => meter.writes.length === 1, 'request written');
  t.same(decodeRacpRequest(meter.writes[0]!.bytes), { opCode: 'report-stored-records', operator: 'greater-or-equal', filter: { type: 'sequence-number', min: 42 } });
});

t.test('stop() leaves no timers, no listeners, no links, and releases the adapter', async (t) => {
  const hr = heartRatePeripheral();
  const cuff = new SimulatedPeripheral({ address: 'c0:ff:ee:00:00:03', services: [{ uuid: 0x1810, characteristics: [{ uuid: 0x2a35, properties: ['indicate'] }] }] });
  const stalled = heartRatePeripheral('c0:ff:ee:00:00:04');
  stalled.connectBehaviour = 'stall';
  const { central, clock, driver, device } = setup(t, {
    peripherals: [hr, cuff, stalled],
    devices: [
      { id: 'hrm-1', address: HR_ADDRESS, profile: 'heart-rate' },
      { id: 'cuff', address: cuff.address, profile: 'blood-pressure' },
      { id: 'hrm-2', address: stalled.address, profile: 'heart-rate' },
    ],
  });
  await driver.start();
  hr.advertise();
  cuff.advertise();
  stalled.advertise();
  await until(() => device('hrm-1').state === 'connected' && device('cuff').state === 'connected' && device('hrm-2').state === 'connecting', 'set up');
  cuff.disconnect(); // cuff now in backoff; hrm-1 has a link-silence timer; hrm-2 a connect timeout
  t.equal(device('cuff').state, 'backoff');
  t.equal(clock.pending, 3, `timers pending before stop (${clock.pending})`);
  const link = hr.link!;
  await driver.stop();
  t.equal(clock.pending, 0, 'no timer left');
  t.equal(central.listenerCount, 0, 'no listener left on the central');
  t.equal(link.listenerCount, 0, 'no listener left on the link');
  t.notOk(hr.connected, 'links closed');
  t.ok(central.closed, 'adapter released');
  t.notOk(central.scanning);
  t.notOk(hr.notify(0x2a37, hrBytes(70)), 'nothing delivered after stop');
  await driver.stop(); // twice is harmless
});

t.test('stop() while the adapter is still opening closes it when it arrives', async (t) => {
  const central = new SimulatedCentral();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { driver, clock } = setup(t, { openCentral: async () => (await gate, central) });
  const starting = driver.start();
  const stopping = driver.stop();
  release();
  await starting;
  await stopping;
  t.ok(central.closed);
  t.equal(central.listenerCount, 0);
  t.equal(clock.pending, 0);
});

t.test('the bound device list is validated: every bad entry is named', async (t) => {
  const { logger } = createTestLogger();
  const make = (devices: Parameters<typeof createBleDriver>[0]['devices']) =>
    createBleDriver({ devices, openCentral: async () => new SimulatedCentral(), onReadings: () => undefined, logger });
  const err = t.throws(() =>
    make([
      { id: 'a', address: 'not-an-address', profile: 'heart-rate' },
      { id: 'b', address: HR_ADDRESS, profile: 'toaster' },
      { id: 'b', address: HR_ADDRESS.toUpperCase(), profile: 'glucose' },
    ]),
  ) as BleDriverError;
  t.ok(err instanceof BleDriverError);
  t.equal(err.code, 'invalid-devices');
  t.same(
    err.issues.map((i) => i.path),
    ['0.address', '1.profile', '2.id', '2.address'],
  );
  t.match(err.message, /unknown profile toaster \(one of heart-rate, blood-pressure/);
  t.doesNotThrow(() => make([{ id: 'a', address: 'AABBCCDDEEFF', profile: 'weight-scale' }]));
});
