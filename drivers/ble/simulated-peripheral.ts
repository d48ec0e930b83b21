/**
 * A scripted BLE peripheral for tests and firmware-sim (docs/ble.md#testing-without-a-radio): it
 * advertises, accepts, refuses or stalls a connection, notifies real characteristic bytes (from the
 * protocols/gatt encoders), answers reads and writes, and drops its link with or without telling
 * the central. It is attached to a SimulatedCentral, which plays the radio.
 */
import { normalizeAddress, normalizeUuid, type BleCharacteristic, type CharacteristicProperty } from './ble-central.ts';
import type { SimulatedLink } from './simulated-central.ts';

export interface SimulatedCharacteristicSpec {
  uuid: number | string;
  properties: readonly CharacteristicProperty[];
  /** What a read returns. */
  value?: Uint8Array;
}

export interface SimulatedServiceSpec {
  uuid: number | string;
  characteristics: readonly SimulatedCharacteristicSpec[];
}

export interface SimulatedPeripheralOptions {
  address: string;
  name?: string;
  rssi?: number;
  services: readonly SimulatedServiceSpec[];
  /** Service UUIDs put in the advertisement (default: every service's). */
  advertisedServices?: readonly (number | string)[];
}

/** What the peripheral does with the next connection request. */
export type ConnectBehaviour = 'accept' | 'refuse' | 'stall';

export interface SimulatedWrite {
  uuid: string;
  bytes: Uint8Array;
  withResponse: boolean;
}

export class SimulatedPeripheral {
  readonly address: string;
  readonly name: string | undefined;
  rssi: number;
  readonly advertisedServices: string[];
  connectBehaviour: ConnectBehaviour = 'accept';
  /** Every write received, in order. */
  readonly writes: SimulatedWrite[] = [];
  /** Connection requests seen (accepted or not). */
  connectRequests = 0;
  /** Links established. */
  linksOpened = 0;

  /** Characteristics keyed by service UUID, then by characteristic UUID. */
  private readonly services = new Map<string, Map<string, { spec: SimulatedCharacteristicSpec; value: Uint8Array | undefined }>>();
  /** Write handlers keyed by characteristic UUID. */
  private readonly writeHandlers = new Map<string, (bytes: Uint8Array) => void>();
  /** @internal set by SimulatedCentral.add */
  central: { advertise(peripheral: SimulatedPeripheral): boolean } | null = null;
  /** @internal the current link, set and cleared by SimulatedCentral */
  link: SimulatedLink | null = null;

  constructor(options: SimulatedPeripheralOptions) {
    const address = normalizeAddress(options.address);
    if (address === undefined) throw new Error(`not a BLE address: ${options.address}`);
    this.address = address;
    this.name = options.name;
    this.rssi = options.rssi ?? -60;
    for (const service of options.services) {
      const chars = new Map<string, { spec: SimulatedCharacteristicSpec; value: Uint8Array | undefined }>();
      for (const c of service.characteristics) chars.set(uuidOf(c.uuid), { spec: c, value: c.value });
      this.services.set(uuidOf(service.uuid), chars);
    }
    this.advertisedServices = (options.advertisedServices ?? options.services.map((s) => s.uuid)).map(uuidOf);
  }

  /** Sends one advertisement; true when a scanning central saw it. */
  advertise(): boolean {
    return this.central?.advertise(this) ?? false;
  }

  get connected(): boolean {
    return this.link !== null && !this.link.dead;
  }

  /** Whether the central has notifications or indications on for this characteristic on the live link. */
  isSubscribed(uuid: number | string): boolean {
    return this.connected && this.link!.isSubscribed(uuidOf(uuid));
  }

  /** Notifies (or indicates) a value; true when a subscriber on a live link received it. */
  notify(uuid: number | string, bytes: Uint8Array): boolean {
    if (!this.connected) return false;
    return this.link!.deliver(uuidOf(uuid), bytes);
  }

  /** Sets what a read of this characteristic returns. */
  setValue(uuid: number | string, bytes: Uint8Array): void {
    const key = uuidOf(uuid);
    for (const chars of this.services.values()) {
      const entry = chars.get(key);
      if (entry) {
        entry.value = bytes;
        return;
      }
    }
    throw new Error(`no characteristic ${key} on ${this.address}`);
  }

  /** Runs `handler` after each write to this characteristic (e.g. answer a RACP request). */
  onWrite(uuid: number | string, handler: (bytes: Uint8Array) => void): void {
    this.writeHandlers.set(uuidOf(uuid), handler);
  }

  /** The peripheral ends the link; the central is told (reason as noble reports it). */
  disconnect(reason = 'remote user terminated connection'): void {
    this.link?.end(reason);
  }

  /**
   * The link dies and the central is never told: what noble does on Pi-class boards when it
   * misses a disconnection (docs/ble.md#pi-quirks). Values stop; the connection looks alive.
   */
  dropSilently(): void {
    this.link?.kill();
  }

  /** @internal */
  characteristics(serviceUuid: string, uuids: readonly string[]): BleCharacteristic[] {
    const chars = this.services.get(serviceUuid);
    if (!chars) return [];
    return uuids.flatMap((uuid) => {
      const entry = chars.get(uuid);
      return entry ? [{ serviceUuid, uuid, properties: [...entry.spec.properties] }] : [];
    });
  }

  /** @internal */
  readValue(uuid: string): Uint8Array | undefined {
    for (const chars of this.services.values()) {
      const entry = chars.get(uuid);
      if (entry) return entry.value;
    }
    return undefined;
  }

  /** @internal */
  receiveWrite(write: SimulatedWrite): void {
    this.writes.push(write);
    const handler = this.writeHandlers.get(write.uuid);
    // After the write's response, as on a real link: the answer comes as a later indication.
    if (handler) queueMicrotask(() => handler(write.bytes));
  }
}

function uuidOf(uuid: number | string): string {
  const n = normalizeUuid(uuid);
  if (n === undefined) throw new Error(`not a UUID: ${String(uuid)}`);
  return n;
}
