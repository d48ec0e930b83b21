/**
 * The BLE central over @stoprocent/noble (docs/ble.md#the-interface). The ONLY file that touches
 * noble (test/drivers/ble/profiles.test.ts fails when another one imports it).
 *
 * noble is imported dynamically, when BLE is enabled, inside try/catch: on a machine without an
 * adapter it loads but warns, cycles poweredOff/unsupported and keeps the process alive until
 * stop() (docs/ble.md#pi-quirks). So openNobleCentral waits a bounded time for poweredOn, and
 * stops noble and throws BleUnavailableError when it does not come; the driver then reports
 * "BLE unavailable: ..." and the hub runs on without BLE.
 */
import type { Logger } from 'pino';
import type { Characteristic, Noble, Peripheral } from '@stoprocent/noble';
import {
  BleUnavailableError,
  normalizeAddress,
  normalizeUuid,
  type AdapterPowerState,
  type Advertisement,
  type BleCentral,
  type BleCharacteristic,
  type BleConnection,
  type CharacteristicProperty,
  type Unsubscribe,
} from './ble-central.ts';

/** The part of the noble module this file uses. */
export interface NobleModule {
  withBindings(bindingType?: 'default'): Noble;
  hciStatusMessage?(reason: number | string): string;
}

export interface NobleCentralOptions {
  logger: Logger;
  /** How long to wait for the adapter to report poweredOn, ms (default 10 s: an HCI reset takes about 1 s). */
  poweredOnTimeoutMs?: number;
  /** How noble is loaded; tests pass a stand-in so they never load the real library. */
  loadNoble?: () => Promise<NobleModule>;
}

const DEFAULT_POWERED_ON_TIMEOUT_MS = 10_000;

async function loadRealNoble(): Promise<NobleModule> {
  const mod = (await import('@stoprocent/noble')) as unknown as NobleModule & { default?: NobleModule };
  // CommonJS from ESM: the functions sit on the default export; named ones are a bonus.
  const withBindings = mod.withBindings ?? mod.default?.withBindings;
  if (typeof withBindings !== 'function') throw new Error('@stoprocent/noble has no withBindings()');
  return { withBindings, hciStatusMessage: mod.hciStatusMessage ?? mod.default?.hciStatusMessage };
}

/** Opens the adapter, or throws BleUnavailableError saying why not. */
export async function openNobleCentral(options: NobleCentralOptions): Promise<BleCentral> {
  const log = options.logger.child({ module: 'noble-central' });
  const timeoutMs = options.poweredOnTimeoutMs ?? DEFAULT_POWERED_ON_TIMEOUT_MS;
  let mod: NobleModule;
  let noble: Noble;
  try {
    mod = await (options.loadNoble ?? loadRealNoble)();
    // A fresh instance per open, so a later retry (adapter plugged in) starts clean.
    noble = mod.withBindings('default');
  } catch (err) {
    throw new BleUnavailableError('load-failed', `cannot load @stoprocent/noble: ${(err as Error).message}`, { cause: err });
  }
  const sigintBefore = new Set(process.listeners('SIGINT'));
  let timer: NodeJS.Timeout | undefined;
  try {
    const poweredOn = noble.waitForPoweredOnAsync(timeoutMs); // starts the HCI bindings
    dropNobleSigintHandler(sigintBefore, log);
    // noble's own timeout should fire first; ours covers bindings that never answer at all.
    await Promise.race([
      poweredOn,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs + 1_000);
      }),
    ]);
  } catch (err) {
    const state = safeState(noble);
    stopNoble(noble, log);
    throw new BleUnavailableError('not-powered-on', `adapter ${state}, not poweredOn after ${timeoutMs} ms`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  log.info({ address: noble.address }, 'BLE adapter powered on');
  return new NobleCentral(noble, mod, log);
}

/**
 * noble's HCI bindings add a SIGINT listener that calls process.exit(1) when it is the last one,
 * which would cut the hub's graceful shutdown short (docs/ble.md#pi-quirks). The hub owns signals.
 */
function dropNobleSigintHandler(before: ReadonlySet<Function>, log: Logger): void {
  for (const listener of process.listeners('SIGINT')) {
    if (before.has(listener)) continue;
    process.removeListener('SIGINT', listener as () => void);
    log.debug('removed the SIGINT handler noble installed');
  }
}

function safeState(noble: Noble): string {
  try {
    return noble.state;
  } catch {
    return 'unknown';
  }
}

function stopNoble(noble: Noble, log: Logger): void {
  try {
    noble.stop();
  } catch (err) {
    log.warn({ err }, 'noble.stop() failed');
  }
}

const PROPERTIES: readonly CharacteristicProperty[] = ['read', 'write', 'writeWithoutResponse', 'notify', 'indicate'];

class NobleCentral implements BleCentral {
  /** Peripherals seen while scanning, keyed by normalised address (noble's id where the OS hides the address). */
  private readonly peripherals = new Map<string, Peripheral>();
  private readonly remember = (peripheral: Peripheral) => this.peripherals.set(keyOf(peripheral), peripheral);

  constructor(
    private readonly noble: Noble,
    private readonly mod: NobleModule,
    private readonly log: Logger,
  ) {
    noble.on('discover', this.remember);
  }

  get state(): AdapterPowerState {
    return this.noble.state;
  }

  onStateChange(listener: (state: AdapterPowerState) => void): Unsubscribe {
    this.noble.on('stateChange', listener);
    return () => this.noble.removeListener('stateChange', listener);
  }

  onDiscover(listener: (ad: Advertisement) => void): Unsubscribe {
    const handler = (p: Peripheral) =>
      listener({ address: keyOf(p), name: p.advertisement?.localName, rssi: p.rssi, serviceUuids: (p.advertisement?.serviceUuids ?? []).map((u) => normalizeUuid(u) ?? u) });
    this.noble.on('discover', handler);
    return () => this.noble.removeListener('discover', handler);
  }

  async startScanning(serviceUuids: readonly string[]): Promise<void> {
    // allowDuplicates: a device that disconnects and advertises again is reported again without a
    // scan restart (noble reports each peripheral once per scan otherwise).
    await this.noble.startScanningAsync([...serviceUuids], true);
  }

  async stopScanning(): Promise<void> {
    await this.noble.stopScanningAsync();
  }

  async connect(address: string): Promise<BleConnection> {
    const peripheral = this.peripherals.get(normalizeAddress(address) ?? address);
    if (!peripheral) throw new Error(`${address} has not been seen while scanning`);
    await peripheral.connectAsync();
    return new NobleConnection(peripheral, this.mod);
  }

  cancelConnect(address: string): void {
    this.peripherals.get(normalizeAddress(address) ?? address)?.cancelConnect();
  }

  async close(): Promise<void> {
    this.noble.removeListener('discover', this.remember);
    this.peripherals.clear();
    stopNoble(this.noble, this.log);
  }
}

class NobleConnection implements BleConnection {
  readonly address: string;
  /** noble's characteristic behind each handle this connection gave out. */
  private readonly handles = new WeakMap<BleCharacteristic, Characteristic>();
  /** Removers of the 'data' listeners added by subscribe(). */
  private readonly dataDetachers: Array<() => void> = [];

  constructor(
    private readonly peripheral: Peripheral,
    private readonly mod: NobleModule,
  ) {
    this.address = keyOf(peripheral);
  }

  async discoverCharacteristics(serviceUuid: string, characteristicUuids: readonly string[]): Promise<BleCharacteristic[]> {
    const { characteristics } = await this.peripheral.discoverSomeServicesAndCharacteristicsAsync([serviceUuid], [...characteristicUuids]);
    return characteristics.map((c) => {
      const handle: BleCharacteristic = {
        serviceUuid,
        uuid: normalizeUuid(c.uuid) ?? c.uuid,
        properties: PROPERTIES.filter((p) => c.properties.includes(p)),
      };
      this.handles.set(handle, c);
      return handle;
    });
  }

  async subscribe(characteristic: BleCharacteristic, onValue: (bytes: Uint8Array) => void): Promise<void> {
    const c = this.noble(characteristic);
    const onData = (data: Buffer, isNotification: boolean) => {
      // 'data' also carries read results (isNotification false); only notifications and indications go on.
      if (isNotification) onValue(new Uint8Array(data));
    };
    c.on('data', onData);
    this.dataDetachers.push(() => c.removeListener('data', onData));
    await c.subscribeAsync(); // writes the CCCD: notify or indicate, whichever the characteristic has
  }

  async read(characteristic: BleCharacteristic): Promise<Uint8Array> {
    return new Uint8Array(await this.noble(characteristic).readAsync());
  }

  async write(characteristic: BleCharacteristic, bytes: Uint8Array, withResponse: boolean): Promise<void> {
    await this.noble(characteristic).writeAsync(Buffer.from(bytes), !withResponse);
  }

  onDisconnect(listener: (reason: string) => void): Unsubscribe {
    const handler = (reason: number | string) => {
      for (const remove of this.dataDetachers.splice(0)) remove();
      listener(typeof reason === 'number' ? (this.mod.hciStatusMessage?.(reason) ?? `HCI status ${reason}`) : String(reason));
    };
    this.peripheral.once('disconnect', handler);
    return () => this.peripheral.removeListener('disconnect', handler);
  }

  async disconnect(): Promise<void> {
    for (const remove of this.dataDetachers.splice(0)) remove();
    await this.peripheral.disconnectAsync();
  }

  private noble(characteristic: BleCharacteristic): Characteristic {
    const c = this.handles.get(characteristic);
    if (!c) throw new Error(`characteristic ${characteristic.uuid} was not discovered on this connection`);
    return c;
  }
}

function keyOf(peripheral: Peripheral): string {
  return normalizeAddress(peripheral.address ?? '') ?? peripheral.id;
}
