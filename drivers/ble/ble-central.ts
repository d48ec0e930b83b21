/**
 * The BLE central seam (docs/ble.md#the-interface): the few things the driver needs from a radio,
 * with no noble type in sight. drivers/ble/noble-central.ts implements it over @stoprocent/noble,
 * drivers/ble/simulated-central.ts in memory for tests and the simulator.
 *
 * UUIDs cross this seam as lower-case hex without dashes, 16-bit SIG UUIDs in their short form
 * ('180d', '2a37'), as noble spells them; addresses as lower-case 'aa:bb:cc:dd:ee:ff'.
 */

/** Adapter states as the radio stack reports them; only 'poweredOn' lets the driver scan. */
export type AdapterPowerState = 'poweredOn' | 'poweredOff' | 'unsupported' | 'unauthorized' | 'unknown' | 'resetting';

/** Removes the listener it was returned for. */
export type Unsubscribe = () => void;

/** One advertisement (or scan response) seen while scanning. */
export interface Advertisement {
  address: string;
  name: string | undefined;
  /** dBm */
  rssi: number;
  serviceUuids: string[];
}

export type CharacteristicProperty = 'read' | 'write' | 'writeWithoutResponse' | 'notify' | 'indicate';

/** A characteristic found on a connected peripheral; an opaque handle for subscribe/read/write. */
export interface BleCharacteristic {
  readonly serviceUuid: string;
  readonly uuid: string;
  readonly properties: readonly CharacteristicProperty[];
}

/** One link to one peripheral. Dead after its disconnect listener ran or disconnect() resolved. */
export interface BleConnection {
  readonly address: string;
  /** The listed characteristics of one service the peripheral has; missing ones are simply absent. */
  discoverCharacteristics(serviceUuid: string, characteristicUuids: readonly string[]): Promise<BleCharacteristic[]>;
  /** Enables notifications or indications (the CCCD write), whichever the characteristic offers. */
  subscribe(characteristic: BleCharacteristic, onValue: (bytes: Uint8Array) => void): Promise<void>;
  read(characteristic: BleCharacteristic): Promise<Uint8Array>;
  write(characteristic: BleCharacteristic, bytes: Uint8Array, withResponse: boolean): Promise<void>;
  /** Called once when the link goes down, whoever ended it. Pi-class boards sometimes never call it (docs/ble.md#pi-quirks). */
  onDisconnect(listener: (reason: string) => void): Unsubscribe;
  disconnect(): Promise<void>;
}

export interface BleCentral {
  readonly state: AdapterPowerState;
  onStateChange(listener: (state: AdapterPowerState) => void): Unsubscribe;
  onDiscover(listener: (advertisement: Advertisement) => void): Unsubscribe;
  /** Scans for advertisements naming any of these services, reporting a device again each time it advertises. */
  startScanning(serviceUuids: readonly string[]): Promise<void>;
  stopScanning(): Promise<void>;
  /** Connects to a device seen while scanning. May never settle on a real radio: callers bound it and cancelConnect(). */
  connect(address: string): Promise<BleConnection>;
  cancelConnect(address: string): void;
  /** Releases the radio; the central is unusable afterwards. */
  close(): Promise<void>;
}

/** Opens the adapter; rejects with BleUnavailableError when there is none (the hub then runs without BLE). */
export type OpenBleCentral = () => Promise<BleCentral>;

export const BLE_UNAVAILABLE_CODES = {
  'load-failed': 'the BLE library could not be loaded (not installed, or no native build for this machine)',
  'not-powered-on': 'the adapter did not report poweredOn in time (no adapter, switched off, or no permission)',
} as const;

export type BleUnavailableCode = keyof typeof BLE_UNAVAILABLE_CODES;

/** No usable adapter. The message starts with "BLE unavailable:" and is what the status page shows. */
export class BleUnavailableError extends Error {
  override name = 'BleUnavailableError';
  readonly code: BleUnavailableCode;

  constructor(code: BleUnavailableCode, detail: string, options: { cause?: unknown } = {}) {
    super(`BLE unavailable: ${detail}`, { cause: options.cause });
    this.code = code;
  }
}

/**
 * 0x180D, '180D', '0x180d' and '0000180d-0000-1000-8000-00805f9b34fb' → '180d'; other 128-bit
 * UUIDs → 32 lower-case hex digits. Returns undefined for anything else.
 */
export function normalizeUuid(uuid: number | string): string | undefined {
  if (typeof uuid === 'number') {
    return Number.isInteger(uuid) && uuid >= 0 && uuid <= 0xffff ? uuid.toString(16).padStart(4, '0') : undefined;
  }
  const s = uuid.toLowerCase().replace(/^0x/, '');
  if (/^[0-9a-f]{4}$/.test(s)) return s;
  const long = s.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/.test(long)) return undefined;
  // [Core Spec Vol 3 Part B 2.5.1] a 16-bit UUID is the Bluetooth Base UUID with bits 96..111 set
  const base = /^0000([0-9a-f]{4})00001000800000805f9b34fb$/.exec(long);
  return base ? base[1] : long;
}

/** 'AA-BB-CC-DD-EE-FF', 'aabbccddeeff' and 'aa:bb:cc:dd:ee:ff' → 'aa:bb:cc:dd:ee:ff'; undefined when not 6 bytes. */
export function normalizeAddress(address: string): string | undefined {
  const hex = address.toLowerCase().replace(/[:-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}
