/**
 * drivers/ble/noble-central.ts against a stand-in for the noble module (tests never load noble:
 * docs/ble.md#testing-without-a-radio). The stand-in mimics the parts of @stoprocent/noble 2.8 the
 * adapter uses, as its index.d.ts declares them.
 */
import t from 'tap';
import { EventEmitter } from 'node:events';
import { openNobleCentral, type NobleModule } from '../../../drivers/ble/noble-central.ts';
import { BleUnavailableError } from '../../../drivers/ble/ble-central.ts';
import { createTestLogger } from '../../fakes/test-logger.ts';

class FakeCharacteristic extends EventEmitter {
  subscribed = 0;
  writes: Array<{ data: Buffer; withoutResponse: boolean }> = [];
  constructor(
    readonly uuid: string,
    readonly properties: string[],
  ) {
    super();
  }
  async subscribeAsync() {
    this.subscribed++;
  }
  async readAsync() {
    this.emit('data', Buffer.from([0x55]), false); // noble emits reads on 'data' too
    return Buffer.from([0x55]);
  }
  async writeAsync(data: Buffer, withoutResponse: boolean) {
    this.writes.push({ data, withoutResponse });
  }
}

class FakePeripheral extends EventEmitter {
  id = 'c0ffee000001';
  rssi = -50;
  advertisement = { localName: 'HRM', serviceUuids: ['180D'] };
  connects = 0;
  cancels = 0;
  characteristics = [new FakeCharacteristic('2a37', ['notify']), new FakeCharacteristic('2a52', ['write', 'indicate'])];
  constructor(readonly address: string) {
    super();
  }
  async connectAsync() {
    this.connects++;
  }
  cancelConnect() {
    this.cancels++;
  }
  async disconnectAsync() {
    this.emit('disconnect', 'local');
  }
  async discoverSomeServicesAndCharacteristicsAsync(_services: string[], uuids: string[]) {
    return { services: [], characteristics: this.characteristics.filter((c) => uuids.includes(c.uuid)) };
  }
}

class FakeNoble extends EventEmitter {
  state = 'unknown';
  address = '00:11:22:33:44:55';
  stops = 0;
  scans: Array<[string[], boolean]> = [];
  constructor(private readonly power: (self: FakeNoble, timeout: number) => Promise<void>) {
    super();
  }
  waitForPoweredOnAsync(timeout: number) {
    return this.power(this, timeout);
  }
  async startScanningAsync(uuids: string[], allowDuplicates: boolean) {
    this.scans.push([uuids, allowDuplicates]);
  }
  async stopScanningAsync() {}
  stop() {
    this.stops++;
  }
}

function moduleWith(noble: FakeNoble): NobleModule {
  return { withBindings: () => noble as never, hciStatusMessage: (r) => `status 0x${Number(r).toString(16)}` };
}

const poweredOn = () =>
  new FakeNoble(async (self) => {
    self.state = 'poweredOn';
  });

t.test('noble that cannot be loaded is reported as "BLE unavailable", not thrown through', async (t) => {
  const { logger } = createTestLogger();
  const err = await openNobleCentral({ logger, loadNoble: async () => Promise.reject(new Error('No native build was found')) }).catch((e: unknown) => e);
  t.ok(err instanceof BleUnavailableError);
  t.match(err, { code: 'load-failed', message: 'BLE unavailable: cannot load @stoprocent/noble: No native build was found' });
  const unsupported = await openNobleCentral({
    logger,
    loadNoble: async () => ({
      withBindings: () => {
        throw new Error('Unsupported platform: aix');
      },
    }),
  }).catch((e: unknown) => e);
  t.match(unsupported, { code: 'load-failed', message: /Unsupported platform: aix/ });
});

t.test('an adapter that never powers on: bounded wait, noble stopped, the state named', async (t) => {
  const { logger } = createTestLogger();
  const noble = new FakeNoble(async (self, timeout) => {
    self.state = 'unsupported';
    await new Promise((resolve) => setTimeout(resolve, timeout));
    throw new Error('Timeout waiting for Noble to be powered on');
  });
  const err = await openNobleCentral({ logger, poweredOnTimeoutMs: 20, loadNoble: async () => moduleWith(noble) }).catch((e: unknown) => e);
  t.match(err, { code: 'not-powered-on', message: 'BLE unavailable: adapter unsupported, not poweredOn after 20 ms' });
  t.equal(noble.stops, 1, 'noble.stop() so it does not keep the process alive');
});

t.test('bindings that never answer at all are given up on by our own timer', async (t) => {
  const { logger } = createTestLogger();
  const noble = new FakeNoble(() => new Promise<void>(() => undefined));
  const started = Date.now();
  const err = await openNobleCentral({ logger, poweredOnTimeoutMs: 10, loadNoble: async () => moduleWith(noble) }).catch((e: unknown) => e);
  t.match(err, { code: 'not-powered-on', message: /adapter unknown, not poweredOn after 10 ms/ });
  t.ok(Date.now() - started < 5_000, 'bounded');
  t.equal(noble.stops, 1);
});

t.test("noble's SIGINT handler (process.exit(1)) is removed; the hub's own stay", async (t) => {
  const { logger } = createTestLogger();
  const ours = () => undefined;
  process.on('SIGINT', ours);
  t.teardown(() => process.removeListener('SIGINT', ours));
  let nobles: (() => void) | undefined;
  const noble = new FakeNoble(async (self) => {
    nobles = () => process.exit(1);
    process.on('SIGINT', nobles);
    self.state = 'poweredOn';
  });
  const central = await openNobleCentral({ logger, loadNoble: async () => moduleWith(noble) });
  t.teardown(() => central.close());
  t.teardown(() => process.removeListener('SIGINT', nobles!));
  t.ok(process.listeners('SIGINT').includes(ours), "the hub's handler stays");
  t.notOk(process.listeners('SIGINT').includes(nobles!), "noble's is gone");
});

t.test('a powered-on adapter: scan with duplicates, advertisements normalised, connect, subscribe, read, write, disconnect', async (t) => {
  const { logger } = createTestLogger();
  const noble = poweredOn();
  const central = await openNobleCentral({ logger, loadNoble: async () => moduleWith(noble) });
  t.equal(central.state, 'poweredOn');

  await central.startScanning(['180d']);
  t.same(noble.scans, [[['180d'], true]], 'allowDuplicates: a device that comes back is reported again');
  const ads: unknown[] = [];
  const stopAds = central.onDiscover((ad) => ads.push(ad));
  const p = new FakePeripheral('C0:FF:EE:00:00:01');
  noble.emit('discover', p);
  t.same(ads, [{ address: 'c0:ff:ee:00:00:01', name: 'HRM', rssi: -50, serviceUuids: ['180d'] }]);
  stopAds();

  await t.rejects(central.connect('c0:ff:ee:00:00:99'), /has not been seen while scanning/);
  const connection = await central.connect('C0-FF-EE-00-00-01');
  t.equal(p.connects, 1);
  const [hrm, racp] = await connection.discoverCharacteristics('180d', ['2a37', '2a52']);
  t.same({ ...hrm }, { serviceUuid: '180d', uuid: '2a37', properties: ['notify'] });

  const values: number[][] = [];
  await connection.subscribe(hrm!, (bytes) => values.push([...bytes]));
  t.equal(p.characteristics[0]!.subscribed, 1);
  p.characteristics[0]!.emit('data', Buffer.from([0x00, 0x48]), true);
  t.same([...(await connection.read(hrm!))], [0x55]);
  t.same(values, [[0x00, 0x48]], 'notifications go on, read results do not');

  await connection.write(racp!, Uint8Array.of(1, 1), true);
  t.same(p.characteristics[1]!.writes.map((w) => [[...w.data], w.withoutResponse]), [[[1, 1], false]]);

  const reasons: string[] = [];
  connection.onDisconnect((r) => reasons.push(r));
  p.emit('disconnect', 0x13);
  t.same(reasons, ['status 0x13'], 'HCI status codes named');
  p.characteristics[0]!.emit('data', Buffer.from([0x00, 0x49]), true);
  t.equal(values.length, 1, 'no values after the link went down');

  central.cancelConnect('c0:ff:ee:00:00:01');
  t.equal(p.cancels, 1);
  await central.close();
  t.equal(noble.stops, 1, 'close() stops noble');
  t.equal(noble.listenerCount('discover'), 0, 'no listener left on noble');
});
