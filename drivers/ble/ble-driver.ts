/**
 * BLE health-device driver (docs/ble.md): scans for the bound devices' services, connects to bound
 * addresses only, subscribes to the profile's characteristics, decodes each value with
 * protocols/gatt and hands it on. Links that drop are retried with capped exponential backoff and
 * full jitter; two watchdogs cover what noble misses on Pi-class boards (a stalled scan, a link
 * that died without a disconnect event). Without an adapter the driver still starts, reports
 * 'no-adapter' with the reason, and tries the adapter again now and then.
 *
 * The shape follows the serial driver in drivers/serial/: start()/stop(), a Clock and a random
 * source as dependencies, a status and a stats snapshot.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { decodeGatt, GattDecodeError, type GattReading } from '../../protocols/gatt/index.ts';
import { encodeRacpRequest, type RacpRequest } from '../../protocols/gatt/record-access-control-point.ts';
import { Backoff, type BackoffOptions } from '../backoff.ts';
import { systemClock, type Clock } from '../clock.ts';
import {
  BleUnavailableError,
  normalizeAddress,
  type AdapterPowerState,
  type Advertisement,
  type BleCentral,
  type BleCharacteristic,
  type BleConnection,
  type OpenBleCentral,
  type Unsubscribe,
} from './ble-central.ts';
import { BATTERY_LEVEL_CHARACTERISTIC, BATTERY_SERVICE_UUID, BLE_PROFILES, getBleProfile, RACP_CHARACTERISTIC, type BleProfile } from './profiles.ts';

/** A device the installer bound to this hub. */
export interface BoundBleDevice {
  id: string;
  /** 'aa:bb:cc:dd:ee:ff' (any case, ':' or '-' or none). */
  address: string;
  /** An id from drivers/ble/profiles.ts. */
  profile: string;
  /** Glucose: the highest record sequence number already stored, so only newer records are fetched. */
  lastRecordSequence?: number;
}

export interface BleReading {
  deviceId: string;
  /** Characteristic UUID, short form ('2a37'). */
  characteristic: string;
  decoded: { readings: GattReading[] } & Record<string, unknown>;
}

export type BleDeviceState = 'scanning' | 'connecting' | 'connected' | 'backoff';
export type BleAdapterState = 'no-adapter' | 'powered-off' | 'ready';

export interface BleDeviceStatus {
  id: string;
  address: string;
  profile: string;
  state: BleDeviceState;
  /** Why it is in this state, for people: "connect failed: ...", "link silent for 15000 ms". */
  detail: string;
  /** Clock time of the last value from it, or null. */
  lastValueAt: number | null;
  /** % from the last Battery Level read or notified, or null. */
  battery: number | null;
  /** Glucose: highest record sequence number seen (persist it and pass it back as lastRecordSequence). */
  lastRecordSequence: number | null;
}

export interface BleDriverStatus {
  adapter: BleAdapterState;
  /** "ready", "adapter poweredOff", or "BLE unavailable: ..." */
  detail: string;
  scanning: boolean;
  devices: BleDeviceStatus[];
}

export interface BleDriverStats {
  valuesDecoded: number;
  /** Values that did not decode, by GattDecodeError code (truncated, out-of-range, ...). */
  rejected: Record<string, number>;
  /** Links established again after the first one, over all devices. */
  reconnects: number;
  connectFailures: number;
  /** Links presumed dead because a streaming device went silent with no disconnect event. */
  silentDrops: number;
  /** Scans restarted by the watchdog. */
  scanRestarts: number;
  /** Advertisements from addresses nobody bound (ignored). */
  unboundAdvertisements: number;
}

export interface BleDriverOptions {
  devices: readonly BoundBleDevice[];
  /** Opens the adapter: noble (drivers/ble/noble-central.ts) on a hub, a SimulatedCentral in tests. */
  openCentral: OpenBleCentral;
  onReadings(reading: BleReading): void;
  onStatus?(status: BleDriverStatus): void;
  logger: Logger;
  clock?: Clock;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  backoff?: Partial<BackoffOptions>;
  /** Give up on a connection attempt after this long, ms (a real connect can hang forever). */
  connectTimeoutMs?: number;
  /** Restart the scan when it reported no advertisement at all for this long, ms. */
  scanSilenceMs?: number;
  /** Presume a streaming device's link dead after this long without a value, ms. */
  linkSilenceMs?: number;
  /** Try opening a missing adapter again after this long, ms; 0 = never. */
  adapterRetryMs?: number;
}

export interface BleDriver {
  /** Opens the adapter and starts scanning; resolves after the first attempt whether or not an adapter was found. */
  start(): Promise<void>;
  /** Cancels every timer, disconnects, removes every listener, releases the adapter. */
  stop(): Promise<void>;
  readonly status: BleDriverStatus;
  readonly stats: BleDriverStats;
}

export const BLE_DRIVER_ERROR_CODES = { 'invalid-devices': 'the bound device list does not validate' } as const;

export class BleDriverError extends Error {
  override name = 'BleDriverError';
  readonly code: keyof typeof BLE_DRIVER_ERROR_CODES;
  readonly issues: Array<{ path: string; message: string }>;

  constructor(code: keyof typeof BLE_DRIVER_ERROR_CODES, issues: Array<{ path: string; message: string }>) {
    super(`${code}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.code = code;
    this.issues = issues;
  }
}

/** maxMs 60 s: a cuff that comes back is read within a minute. */
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 60_000, factor: 2, stableMs: 60_000 };
const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
// Health devices advertise every 0.1–2 s while they want a central; in a building there are many
// other advertisers too. Half a minute of nothing at all means the scan has stalled.
const DEFAULT_SCAN_SILENCE_MS = 30_000;
// [HRS 3.1] heart rate is notified about once a second; 15 missed values is not a slow device.
const DEFAULT_LINK_SILENCE_MS = 15_000;
const DEFAULT_ADAPTER_RETRY_MS = 60_000;
// Stop waits this long for a link to close; a Pi's HCI stack can leave a disconnect unanswered.
const STOP_DISCONNECT_TIMEOUT_MS = 2_000;

const boundDeviceSchema = z.object({
  id: z.string().min(1),
  address: z.string().transform((a, ctx) => {
    const n = normalizeAddress(a);
    if (n === undefined) ctx.addIssue({ code: 'custom', message: `not a BLE address: ${a}` });
    return n ?? a;
  }),
  profile: z.string().superRefine((p, ctx) => {
    if (getBleProfile(p) === undefined) ctx.addIssue({ code: 'custom', message: `unknown profile ${p} (one of ${BLE_PROFILES.map((x) => x.id).join(', ')})` });
  }),
  lastRecordSequence: z.number().int().min(0).max(0xffff).optional(),
});

const boundDevicesSchema = z.array(boundDeviceSchema);

/** Two entries with one id or one address; checked on the raw list so they are reported with every other issue at once. */
function duplicateIssues(devices: readonly BoundBleDevice[]): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const seen = { id: new Set<string>(), address: new Set<string>() };
  devices.forEach((d, i) => {
    const values = { id: d.id, address: normalizeAddress(String(d.address)) ?? d.address };
    for (const key of ['id', 'address'] as const) {
      if (seen[key].has(values[key])) issues.push({ path: `${i}.${key}`, message: `duplicate ${key} ${values[key]}` });
      seen[key].add(values[key]);
    }
  });
  return issues;
}

export function createBleDriver(options: BleDriverOptions): BleDriver {
  const parsed = boundDevicesSchema.safeParse(options.devices);
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))),
    ...(Array.isArray(options.devices) ? duplicateIssues(options.devices) : []),
  ];
  if (!parsed.success || issues.length > 0) throw new BleDriverError('invalid-devices', issues);
  return new GattBleDriver(options, parsed.data);
}

interface Timer {
  handle: unknown;
}

/** One bound device and its link. */
interface Slot {
  id: string;
  address: string;
  profile: BleProfile;
  state: BleDeviceState;
  detail: string;
  connection: BleConnection | null;
  detachers: Unsubscribe[];
  /** Bumped whenever the link is torn down: an async step that finds it changed stops. */
  generation: number;
  /** This device's retry count: each device backs off on its own. */
  backoff: Backoff;
  backoffTimer: Timer | null;
  connectTimer: Timer | null;
  silenceTimer: Timer | null;
  /** At least one streaming characteristic is subscribed on this link. */
  streams: boolean;
  connectedAt: number;
  connectedOnce: boolean;
  lastValueAt: number | null;
  battery: number | null;
  lastRecordSequence: number | null;
}

class GattBleDriver implements BleDriver {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: BackoffOptions;
  private readonly connectTimeoutMs: number;
  private readonly scanSilenceMs: number;
  private readonly linkSilenceMs: number;
  private readonly adapterRetryMs: number;
  /** Slots keyed by normalised address. */
  private readonly slots = new Map<string, Slot>();
  private readonly scanServices: string[];
  private readonly counters: BleDriverStats = {
    valuesDecoded: 0,
    rejected: {},
    reconnects: 0,
    connectFailures: 0,
    silentDrops: 0,
    scanRestarts: 0,
    unboundAdvertisements: 0,
  };

  private running = false;
  private central: BleCentral | null = null;
  private centralDetachers: Unsubscribe[] = [];
  private opening: Promise<void> | null = null;
  private adapter: BleAdapterState = 'no-adapter';
  private adapterDetail = 'not started';
  private scanning = false;
  private lastAdvertisementAt = 0;
  private scanWatchdog: Timer | null = null;
  private adapterRetryTimer: Timer | null = null;

  constructor(
    private readonly options: BleDriverOptions,
    devices: ReadonlyArray<{ id: string; address: string; profile: string; lastRecordSequence?: number | undefined }>,
  ) {
    this.log = options.logger.child({ module: 'ble-driver' });
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.scanSilenceMs = options.scanSilenceMs ?? DEFAULT_SCAN_SILENCE_MS;
    this.linkSilenceMs = options.linkSilenceMs ?? DEFAULT_LINK_SILENCE_MS;
    this.adapterRetryMs = options.adapterRetryMs ?? DEFAULT_ADAPTER_RETRY_MS;
    for (const d of devices) {
      this.slots.set(d.address, {
        id: d.id,
        address: d.address,
        profile: getBleProfile(d.profile)!,
        state: 'scanning',
        detail: 'waiting for the adapter',
        connection: null,
        detachers: [],
        generation: 0,
        backoff: new Backoff(this.backoff, this.random),
        backoffTimer: null,
        connectTimer: null,
        silenceTimer: null,
        streams: false,
        connectedAt: 0,
        connectedOnce: false,
        lastValueAt: null,
        battery: null,
        lastRecordSequence: d.lastRecordSequence ?? null,
      });
    }
    this.scanServices = [...new Set([...this.slots.values()].map((s) => s.profile.serviceUuid))];
  }

  get status(): BleDriverStatus {
    return {
      adapter: this.adapter,
      detail: this.adapterDetail,
      scanning: this.scanning,
      devices: [...this.slots.values()].map((s) => ({
        id: s.id,
        address: s.address,
        profile: s.profile.id,
        state: s.state,
        detail: s.detail,
        lastValueAt: s.lastValueAt,
        battery: s.battery,
        lastRecordSequence: s.lastRecordSequence,
      })),
    };
  }

  get stats(): BleDriverStats {
    return { ...this.counters, rejected: { ...this.counters.rejected } };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.openAdapter();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancel(this.adapterRetryTimer);
    this.adapterRetryTimer = null;
    this.cancel(this.scanWatchdog);
    this.scanWatchdog = null;
    await this.opening;
    const central = this.central;
    const closing: Promise<void>[] = [];
    for (const slot of this.slots.values()) {
      this.cancel(slot.backoffTimer);
      slot.backoffTimer = null;
      if (slot.state === 'connecting') central?.cancelConnect(slot.address);
      const connection = this.teardown(slot);
      if (connection) closing.push(this.boundedDisconnect(slot, connection));
      slot.state = 'scanning';
      slot.detail = 'stopped';
    }
    await Promise.all(closing);
    for (const remove of this.centralDetachers) remove();
    this.centralDetachers = [];
    this.central = null;
    if (central) {
      if (this.scanning) await central.stopScanning().catch((err: unknown) => this.log.warn({ err }, 'stopping the scan failed'));
      this.scanning = false;
      // [docs/ble.md#pi-quirks] noble keeps the process alive until it is stopped
      await central.close().catch((err: unknown) => this.log.warn({ err }, 'closing the BLE adapter failed'));
    }
    this.setAdapter(this.adapter === 'no-adapter' ? 'no-adapter' : 'powered-off', 'stopped');
  }

  // ---- adapter -------------------------------------------------------------------------------

  private openAdapter(): Promise<void> {
    const tracked: Promise<void> = this.tryOpenAdapter()
      .catch((err: unknown) => this.log.error({ err }, 'unexpected failure while opening the BLE adapter'))
      .finally(() => {
        if (this.opening === tracked) this.opening = null;
      });
    this.opening = tracked;
    return tracked;
  }

  private async tryOpenAdapter(): Promise<void> {
    let central: BleCentral;
    try {
      central = await this.options.openCentral();
    } catch (err) {
      if (!this.running) return;
      const detail = err instanceof BleUnavailableError ? err.message : `BLE unavailable: ${(err as Error).message}`;
      this.log.warn({ err, retryInMs: this.adapterRetryMs || null }, detail);
      this.setAdapter('no-adapter', detail);
      this.scheduleAdapterRetry();
      return;
    }
    // stop() awaits this open and then closes whatever central it left behind.
    this.central = central;
    this.centralDetachers.push(
      central.onStateChange((state) => this.handlePower(state)),
      central.onDiscover((ad) => this.handleAdvertisement(ad)),
    );
    this.log.info({ state: central.state, devices: this.slots.size }, 'BLE adapter open');
    this.handlePower(central.state);
  }

  private scheduleAdapterRetry(): void {
    if (!this.running || this.adapterRetryMs <= 0 || this.adapterRetryTimer) return;
    const timer: Timer = {
      handle: this.clock.setTimeout(() => {
        if (this.adapterRetryTimer !== timer) return;
        this.adapterRetryTimer = null;
        if (this.running && !this.central) void this.openAdapter();
      }, this.adapterRetryMs),
    };
    this.adapterRetryTimer = timer;
  }

  private handlePower(state: AdapterPowerState): void {
    if (!this.running) return;
    if (state === 'poweredOn') {
      this.setAdapter('ready', 'ready');
      for (const slot of this.slots.values()) {
        if (slot.state === 'scanning') slot.detail = 'scanning';
      }
      this.updateScanning();
      return;
    }
    // Every link is gone with the power (noble cleans its peripherals up the same way); no
    // backoff: the devices are found again as soon as the adapter is back.
    const detail = state === 'unsupported' || state === 'unauthorized' ? `BLE unavailable: adapter ${state}` : `adapter ${state}`;
    this.setAdapter(state === 'unsupported' || state === 'unauthorized' ? 'no-adapter' : 'powered-off', detail);
    this.scanning = false;
    this.cancel(this.scanWatchdog);
    this.scanWatchdog = null;
    for (const slot of this.slots.values()) {
      this.cancel(slot.backoffTimer);
      slot.backoffTimer = null;
      const connection = this.teardown(slot);
      if (connection) connection.disconnect().catch(() => undefined); // the radio is off; nothing to tell it
      this.setDevice(slot, 'scanning', 'waiting for the adapter');
    }
  }

  // ---- scanning ------------------------------------------------------------------------------

  /** Scans while the adapter is ready and some device is waiting to be found; otherwise not. */
  private updateScanning(restart = false): void {
    const central = this.central;
    if (!central || !this.running) return;
    const wanted = this.adapter === 'ready' && [...this.slots.values()].some((s) => s.state === 'scanning');
    if (wanted && (!this.scanning || restart)) {
      this.scanning = true;
      this.lastAdvertisementAt = this.clock.now();
      this.armScanWatchdog();
      central.startScanning(this.scanServices).catch((err: unknown) => {
        // The watchdog tries again; a scan that cannot start is a stalled scan.
        this.log.warn({ err }, 'starting the BLE scan failed');
      });
      this.emitStatus();
    } else if (!wanted && this.scanning) {
      this.scanning = false;
      this.cancel(this.scanWatchdog);
      this.scanWatchdog = null;
      central.stopScanning().catch((err: unknown) => this.log.warn({ err }, 'stopping the BLE scan failed'));
      this.emitStatus();
    }
  }

  /** Restarts a scan that went quiet (docs/ble.md#pi-quirks): stop, then start again. */
  private restartScanning(reason: string): void {
    const central = this.central;
    if (!central || !this.running || this.adapter !== 'ready') return;
    this.counters.scanRestarts++;
    this.log.warn({ reason }, 'restarting the BLE scan');
    this.scanning = false;
    central
      .stopScanning()
      .catch((err: unknown) => this.log.warn({ err }, 'stopping the stalled BLE scan failed'))
      .finally(() => {
        if (this.central === central) this.updateScanning();
      });
  }

  private armScanWatchdog(): void {
    this.cancel(this.scanWatchdog);
    const dueIn = Math.max(0, this.lastAdvertisementAt + this.scanSilenceMs - this.clock.now());
    const timer: Timer = {
      handle: this.clock.setTimeout(() => {
        if (this.scanWatchdog !== timer) return;
        this.scanWatchdog = null;
        if (!this.running || !this.scanning) return;
        if (this.clock.now() - this.lastAdvertisementAt < this.scanSilenceMs) {
          this.armScanWatchdog();
          return;
        }
        this.restartScanning(`no advertisement for ${this.scanSilenceMs} ms`);
      }, dueIn),
    };
    this.scanWatchdog = timer;
  }

  private handleAdvertisement(ad: Advertisement): void {
    if (!this.running) return;
    this.lastAdvertisementAt = this.clock.now();
    const slot = this.slots.get(normalizeAddress(ad.address) ?? ad.address);
    if (!slot) {
      this.counters.unboundAdvertisements++;
      return;
    }
    if (slot.state !== 'scanning' || this.adapter !== 'ready') return;
    this.log.debug({ deviceId: slot.id, rssi: ad.rssi, name: ad.name }, 'bound device advertising');
    void this.connect(slot);
  }

  // ---- one link ------------------------------------------------------------------------------

  private async connect(slot: Slot): Promise<void> {
    const central = this.central!;
    const generation = ++slot.generation;
    this.setDevice(slot, 'connecting', 'connecting');
    const stale = () => generation !== slot.generation || !this.running;
    try {
      const connection = await this.connectWithTimeout(slot, central);
      if (stale()) {
        connection.disconnect().catch(() => undefined);
        return;
      }
      slot.connection = connection;
      slot.detachers.push(connection.onDisconnect((reason) => this.handleLinkDown(slot, connection, `disconnected: ${reason}`)));
      const specs = slot.profile.characteristics;
      const found = await connection.discoverCharacteristics(slot.profile.serviceUuid, specs.map((c) => c.uuid));
      if (stale()) return;
      if (found.length === 0) throw new Error(`no ${slot.profile.name} characteristics on the device`);
      slot.streams = false;
      let racp: BleCharacteristic | undefined;
      for (const characteristic of found) {
        await connection.subscribe(characteristic, (bytes) => this.handleValue(slot, connection, characteristic.uuid, bytes));
        if (stale()) return;
        if (specs.find((s) => s.uuid === characteristic.uuid)?.streams) slot.streams = true;
        if (characteristic.uuid === RACP_CHARACTERISTIC) racp = characteristic;
      }
      if (slot.connectedOnce) this.counters.reconnects++;
      slot.connectedOnce = true;
      slot.connectedAt = this.clock.now();
      this.setDevice(slot, 'connected', `subscribed to ${found.map((c) => c.uuid).join(', ')}`);
      this.log.info({ deviceId: slot.id, characteristics: found.map((c) => c.uuid) }, 'BLE device connected');
      this.armLinkSilence(slot, connection, slot.connectedAt);
      // HCI controllers stop scanning to connect; others may still be waiting to be found.
      this.updateScanning(true);
      if (slot.profile.readBattery) await this.readBattery(slot, connection, stale);
      if (racp && slot.profile.recordAccess && !stale()) await this.requestRecords(slot, connection, racp);
    } catch (err) {
      if (stale()) return;
      this.counters.connectFailures++;
      const detail = `connect failed: ${(err as Error).message}`;
      this.log.warn({ err, deviceId: slot.id }, detail);
      const connection = this.teardown(slot);
      connection?.disconnect().catch(() => undefined);
      this.scheduleBackoff(slot, detail);
      this.updateScanning(true);
    }
  }

  /** central.connect bounded by connectTimeoutMs; a link that arrives after the timeout is closed. */
  private connectWithTimeout(slot: Slot, central: BleCentral): Promise<BleConnection> {
    return new Promise<BleConnection>((resolve, reject) => {
      let settled = false;
      const timer: Timer = {
        handle: this.clock.setTimeout(() => {
          if (slot.connectTimer !== timer) return;
          slot.connectTimer = null;
          settled = true;
          central.cancelConnect(slot.address);
          reject(new Error(`no connection within ${this.connectTimeoutMs} ms`));
        }, this.connectTimeoutMs),
      };
      slot.connectTimer = timer;
      central.connect(slot.address).then(
        (connection) => {
          if (settled) {
            connection.disconnect().catch(() => undefined);
            return;
          }
          settled = true;
          this.clearConnectTimer(slot, timer);
          resolve(connection);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          this.clearConnectTimer(slot, timer);
          reject(err);
        },
      );
    });
  }

  private clearConnectTimer(slot: Slot, timer: Timer): void {
    if (slot.connectTimer !== timer) return;
    this.cancel(timer);
    slot.connectTimer = null;
  }

  private async readBattery(slot: Slot, connection: BleConnection, stale: () => boolean): Promise<void> {
    try {
      const [level] = await connection.discoverCharacteristics(BATTERY_SERVICE_UUID, [BATTERY_LEVEL_CHARACTERISTIC]);
      if (!level || stale()) return;
      const bytes = await connection.read(level);
      if (stale()) return;
      this.handleValue(slot, connection, BATTERY_LEVEL_CHARACTERISTIC, bytes);
    } catch (err) {
      // Battery is nice to have: a device without the Battery Service still gives its readings.
      this.log.debug({ err, deviceId: slot.id }, 'battery level not read');
    }
  }

  /** [GLS 3.4] ask for the records the hub has not got: all of them, or those after the last sequence number. */
  private async requestRecords(slot: Slot, connection: BleConnection, racp: BleCharacteristic): Promise<void> {
    const last = slot.lastRecordSequence;
    const request: RacpRequest =
      last === null || last >= 0xffff
        ? { opCode: 'report-stored-records', operator: 'all' }
        : { opCode: 'report-stored-records', operator: 'greater-or-equal', filter: { type: 'sequence-number', min: last + 1 } };
    try {
      await connection.write(racp, encodeRacpRequest(request), true); // [GLS 3.4] RACP takes write requests only
      this.log.info({ deviceId: slot.id, request }, 'glucose records requested');
    } catch (err) {
      this.log.warn({ err, deviceId: slot.id }, 'glucose record request failed; new measurements still arrive');
    }
  }

  private handleValue(slot: Slot, connection: BleConnection, characteristic: string, bytes: Uint8Array): void {
    if (connection !== slot.connection || !this.running) return;
    slot.lastValueAt = this.clock.now();
    let decoded: BleReading['decoded'];
    try {
      decoded = decodeGatt(characteristic, bytes);
    } catch (err) {
      const code = err instanceof GattDecodeError ? err.code : 'decoder-failed';
      this.counters.rejected[code] = (this.counters.rejected[code] ?? 0) + 1;
      this.log.warn({ err, code, deviceId: slot.id, characteristic, hex: toHex(bytes) }, 'BLE value rejected');
      return;
    }
    this.counters.valuesDecoded++;
    if (characteristic === BATTERY_LEVEL_CHARACTERISTIC) slot.battery = decoded.level as number;
    if (typeof decoded.sequenceNumber === 'number' && decoded.sequenceNumber > (slot.lastRecordSequence ?? -1)) {
      slot.lastRecordSequence = decoded.sequenceNumber;
    }
    if (characteristic === RACP_CHARACTERISTIC) this.log.info({ deviceId: slot.id, response: decoded }, 'glucose record access response');
    try {
      this.options.onReadings({ deviceId: slot.id, characteristic, decoded });
    } catch (err) {
      this.log.error({ err, deviceId: slot.id, characteristic }, 'onReadings handler threw');
    }
  }

  /**
   * [docs/ble.md#pi-quirks] noble on a Pi's HCI sometimes never reports a disconnection: the link
   * looks up, values just stop. A streaming device silent this long is treated as gone.
   */
  private armLinkSilence(slot: Slot, connection: BleConnection, since: number): void {
    if (!slot.streams || this.linkSilenceMs <= 0) return;
    const dueIn = Math.max(0, since + this.linkSilenceMs - this.clock.now());
    const timer: Timer = {
      handle: this.clock.setTimeout(() => {
        if (slot.silenceTimer !== timer) return;
        slot.silenceTimer = null;
        if (connection !== slot.connection || !this.running) return;
        const last = slot.lastValueAt !== null && slot.lastValueAt > slot.connectedAt ? slot.lastValueAt : slot.connectedAt;
        if (this.clock.now() - last < this.linkSilenceMs) {
          this.armLinkSilence(slot, connection, last);
          return;
        }
        this.counters.silentDrops++;
        const detail = `link silent for ${this.linkSilenceMs} ms`;
        this.log.warn({ deviceId: slot.id, linkSilenceMs: this.linkSilenceMs }, `${detail}; presuming a missed disconnect`);
        this.teardown(slot);
        connection.disconnect().catch(() => undefined);
        // The device is most likely advertising again already; a restart also revives a stuck scan.
        this.setDevice(slot, 'scanning', detail);
        this.restartScanning(`${slot.id}: ${detail}`);
      }, dueIn),
    };
    slot.silenceTimer = timer;
  }

  private handleLinkDown(slot: Slot, connection: BleConnection, detail: string): void {
    if (connection !== slot.connection || !this.running) return;
    // Only a link that was fully up counts as stable; one lost while being set up keeps the backoff growing.
    if (slot.state === 'connected') slot.backoff.linkLost(this.clock.now() - slot.connectedAt);
    this.log.warn({ deviceId: slot.id }, detail);
    this.teardown(slot);
    this.scheduleBackoff(slot, detail);
  }

  /** The hub's one backoff (drivers/backoff.ts): capped exponential with full jitter. */
  private scheduleBackoff(slot: Slot, detail: string): void {
    if (!this.running || slot.backoffTimer) return;
    const delayMs = slot.backoff.next();
    this.setDevice(slot, 'backoff', detail);
    this.log.info({ deviceId: slot.id, delayMs, attempt: slot.backoff.attempt }, 'BLE device retry after delay');
    const timer: Timer = {
      handle: this.clock.setTimeout(() => {
        if (slot.backoffTimer !== timer) return;
        slot.backoffTimer = null;
        if (!this.running || slot.state !== 'backoff') return;
        this.setDevice(slot, 'scanning', 'scanning');
        this.updateScanning();
      }, delayMs),
    };
    slot.backoffTimer = timer;
  }

  /** Forgets the slot's link (listeners, timers); returns it so the caller can close it. */
  private teardown(slot: Slot): BleConnection | null {
    slot.generation++;
    for (const remove of slot.detachers) remove();
    slot.detachers = [];
    this.cancel(slot.silenceTimer);
    slot.silenceTimer = null;
    this.cancel(slot.connectTimer);
    slot.connectTimer = null;
    slot.streams = false;
    const connection = slot.connection;
    slot.connection = null;
    return connection;
  }

  private boundedDisconnect(slot: Slot, connection: BleConnection): Promise<void> {
    return new Promise<void>((resolve) => {
      const handle = this.clock.setTimeout(() => {
        this.log.warn({ deviceId: slot.id }, 'BLE disconnect unanswered at stop');
        resolve();
      }, STOP_DISCONNECT_TIMEOUT_MS);
      connection
        .disconnect()
        .catch((err: unknown) => this.log.warn({ err, deviceId: slot.id }, 'BLE disconnect failed'))
        .finally(() => {
          this.clock.clearTimeout(handle);
          resolve();
        });
    });
  }

  // ---- status --------------------------------------------------------------------------------

  private setDevice(slot: Slot, state: BleDeviceState, detail: string): void {
    slot.state = state;
    slot.detail = detail;
    this.emitStatus();
  }

  private setAdapter(state: BleAdapterState, detail: string): void {
    this.adapter = state;
    this.adapterDetail = detail;
    this.emitStatus();
  }

  private emitStatus(): void {
    if (!this.options.onStatus) return;
    try {
      this.options.onStatus(this.status);
    } catch (err) {
      this.log.error({ err }, 'onStatus handler threw');
    }
  }

  private cancel(timer: Timer | null): void {
    if (timer) this.clock.clearTimeout(timer.handle);
  }
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
