/**
 * An in-memory BLE central (docs/ble.md#testing-without-a-radio): the same BleCentral interface
 * as drivers/ble/noble-central.ts, with SimulatedPeripherals instead of a radio. A test can power
 * the adapter off and on, and make it "go quiet" (advertisements stop reaching the host until
 * scanning is restarted, as a stalled HCI scan does on Pi-class boards).
 */
import {
  normalizeAddress,
  type AdapterPowerState,
  type Advertisement,
  type BleCentral,
  type BleCharacteristic,
  type BleConnection,
  type Unsubscribe,
} from './ble-central.ts';
import type { SimulatedPeripheral } from './simulated-peripheral.ts';

export class SimulatedCentral implements BleCentral {
  state: AdapterPowerState;
  scanning = false;
  /** Service UUIDs of the current scan (empty: all). */
  scanFilter: string[] = [];
  /** How many times scanning was started. */
  scanStarts = 0;
  closed = false;
  /** Advertisements are lost until the next startScanning (a stalled scan). */
  quiet = false;

  /** Peripherals keyed by address. */
  private readonly peripherals = new Map<string, SimulatedPeripheral>();
  private readonly stateListeners = new Set<(state: AdapterPowerState) => void>();
  private readonly discoverListeners = new Set<(ad: Advertisement) => void>();
  /** Stalled connection requests keyed by address: cancelConnect rejects them, completeConnect lets them through. */
  private readonly stalled = new Map<string, { resolve: () => void; reject: (err: Error) => void }>();
  private readonly stopsScanOnConnect: boolean;

  /**
   * `stopsScanOnConnect`: connecting ends the scan without a word, as noble's HCI bindings do
   * (docs/ble.md#pi-quirks).
   */
  constructor(options: { state?: AdapterPowerState; stopsScanOnConnect?: boolean } = {}) {
    this.state = options.state ?? 'poweredOn';
    this.stopsScanOnConnect = options.stopsScanOnConnect ?? false;
  }

  add(...peripherals: SimulatedPeripheral[]): this {
    for (const p of peripherals) {
      p.central = this;
      this.peripherals.set(p.address, p);
    }
    return this;
  }

  /**
   * Changes the adapter state; leaving poweredOn ends every link and the scan. noble's cleanup
   * reports each link's end first; `linkEvents: false` ends them without a word.
   */
  setState(state: AdapterPowerState, options: { linkEvents?: boolean } = {}): void {
    if (state === this.state) return;
    const wasOn = this.state === 'poweredOn';
    this.state = state;
    if (wasOn && state !== 'poweredOn') {
      this.scanning = false;
      for (const p of this.peripherals.values()) {
        if (options.linkEvents === false) p.link?.kill();
        else p.link?.end('cleanup');
      }
    }
    for (const listener of [...this.stateListeners]) listener(state);
  }

  powerOff(options: { linkEvents?: boolean } = {}): void {
    this.setState('poweredOff', options);
  }

  powerOn(): void {
    this.setState('poweredOn');
  }

  goQuiet(): void {
    this.quiet = true;
  }

  onStateChange(listener: (state: AdapterPowerState) => void): Unsubscribe {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onDiscover(listener: (ad: Advertisement) => void): Unsubscribe {
    this.discoverListeners.add(listener);
    return () => this.discoverListeners.delete(listener);
  }

  get listenerCount(): number {
    return this.stateListeners.size + this.discoverListeners.size;
  }

  /** Connection requests stalled and not yet cancelled. */
  get pendingConnects(): number {
    return this.stalled.size;
  }

  async startScanning(serviceUuids: readonly string[]): Promise<void> {
    this.assertOpen();
    if (this.state !== 'poweredOn') throw new Error(`Could not start scanning, state is ${this.state} (not poweredOn)`);
    this.scanning = true;
    this.quiet = false;
    this.scanFilter = [...serviceUuids];
    this.scanStarts++;
  }

  async stopScanning(): Promise<void> {
    this.scanning = false;
  }

  async connect(address: string): Promise<BleConnection> {
    this.assertOpen();
    const key = normalizeAddress(address) ?? address;
    const peripheral = this.peripherals.get(key);
    if (this.state !== 'poweredOn') throw new Error(`cannot connect, state is ${this.state}`);
    if (!peripheral) throw new Error(`unknown peripheral ${address}`);
    peripheral.connectRequests++;
    if (this.stopsScanOnConnect) this.scanning = false;
    if (peripheral.connectBehaviour === 'refuse') throw new Error('connection refused by the peripheral');
    if (peripheral.connectBehaviour === 'stall') {
      await new Promise<void>((resolve, reject) => this.stalled.set(key, { resolve, reject }));
    }
    const link = new SimulatedLink(peripheral);
    peripheral.link = link;
    peripheral.linksOpened++;
    return link;
  }

  cancelConnect(address: string): void {
    const key = normalizeAddress(address) ?? address;
    const pending = this.stalled.get(key);
    this.stalled.delete(key);
    pending?.reject(new Error('connection cancelled'));
  }

  /** Lets a stalled connection request complete (late, as a slow radio does). */
  completeConnect(address: string): void {
    const key = normalizeAddress(address) ?? address;
    const pending = this.stalled.get(key);
    this.stalled.delete(key);
    pending?.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.scanning = false;
    for (const address of [...this.stalled.keys()]) this.cancelConnect(address);
  }

  /** @internal called by SimulatedPeripheral.advertise */
  advertise(peripheral: SimulatedPeripheral): boolean {
    if (this.closed || this.state !== 'poweredOn' || !this.scanning || this.quiet) return false;
    if (peripheral.connected) return false; // a connected peripheral stops advertising
    if (this.scanFilter.length > 0 && !peripheral.advertisedServices.some((s) => this.scanFilter.includes(s))) return false;
    const ad: Advertisement = { address: peripheral.address, name: peripheral.name, rssi: peripheral.rssi, serviceUuids: [...peripheral.advertisedServices] };
    for (const listener of [...this.discoverListeners]) listener(ad);
    return true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('central closed');
  }
}

/** One simulated link; `dead` once ended or killed. */
export class SimulatedLink implements BleConnection {
  readonly address: string;
  dead = false;
  /** Value listeners keyed by characteristic UUID. */
  private readonly subscriptions = new Map<string, (bytes: Uint8Array) => void>();
  private readonly disconnectListeners = new Set<(reason: string) => void>();

  constructor(private readonly peripheral: SimulatedPeripheral) {
    this.address = peripheral.address;
  }

  async discoverCharacteristics(serviceUuid: string, characteristicUuids: readonly string[]): Promise<BleCharacteristic[]> {
    this.assertAlive();
    return this.peripheral.characteristics(serviceUuid, characteristicUuids);
  }

  async subscribe(characteristic: BleCharacteristic, onValue: (bytes: Uint8Array) => void): Promise<void> {
    this.assertAlive();
    if (!characteristic.properties.includes('notify') && !characteristic.properties.includes('indicate')) {
      throw new Error(`characteristic ${characteristic.uuid} neither notifies nor indicates`);
    }
    this.subscriptions.set(characteristic.uuid, onValue);
  }

  async read(characteristic: BleCharacteristic): Promise<Uint8Array> {
    this.assertAlive();
    const value = characteristic.properties.includes('read') ? this.peripheral.readValue(characteristic.uuid) : undefined;
    if (value === undefined) throw new Error(`characteristic ${characteristic.uuid} is not readable`);
    return value;
  }

  async write(characteristic: BleCharacteristic, bytes: Uint8Array, withResponse: boolean): Promise<void> {
    this.assertAlive();
    const allowed = withResponse ? characteristic.properties.includes('write') : characteristic.properties.includes('writeWithoutResponse');
    if (!allowed) throw new Error(`characteristic ${characteristic.uuid} does not accept this write`);
    this.peripheral.receiveWrite({ uuid: characteristic.uuid, bytes, withResponse });
  }

  onDisconnect(listener: (reason: string) => void): Unsubscribe {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  async disconnect(): Promise<void> {
    this.end('local disconnect');
  }

  get listenerCount(): number {
    return this.disconnectListeners.size;
  }

  isSubscribed(uuid: string): boolean {
    return this.subscriptions.has(uuid);
  }

  /** @internal */
  deliver(uuid: string, bytes: Uint8Array): boolean {
    const listener = this.dead ? undefined : this.subscriptions.get(uuid);
    if (!listener) return false;
    listener(bytes);
    return true;
  }

  /** @internal ends the link and tells the central's listeners. */
  end(reason: string): void {
    const wasAlive = !this.dead;
    this.kill();
    if (!wasAlive && this.disconnectListeners.size === 0) return;
    const listeners = [...this.disconnectListeners];
    this.disconnectListeners.clear();
    for (const listener of listeners) listener(reason);
  }

  /** @internal ends the link without telling anyone. */
  kill(): void {
    this.dead = true;
    this.subscriptions.clear();
    if (this.peripheral.link === this) this.peripheral.link = null;
  }

  private assertAlive(): void {
    if (this.dead) throw new Error('not connected');
  }
}
