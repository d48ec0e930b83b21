/**
 * A device model is a data record carrying its own converter (docs/adding-a-device.md), as
 * zigbee-herdsman-converters defines devices: its transport and settings, how its bytes are framed
 * and decoded, and a converter to the uniform inputs of drivers/device-input.ts. The hub's transports
 * run whatever a definition says and never branch on a model. One file per model under
 * drivers/devices/; drivers/index.ts lists them all.
 */
import type { GattReading } from '../protocols/gatt/index.ts';
import type { Zigbee2mqttRole } from '../protocols/zigbee2mqtt/index.ts';
import type { DeviceInput } from './device-input.ts';
import type { SerialMatch } from './serial/serialport-binding.ts';

/** One value a device reports; `unit` is UCUM where the value is a quantity. */
export interface Exposed {
  name: string;
  type: 'event' | 'numeric' | 'enum' | 'binary';
  description: string;
  unit?: string;
  values?: readonly string[];
  min?: number;
  max?: number;
}

/**
 * What a converter hands on: an input, and for a device that speaks for others (a call-point receiver
 * relays many call points) the address of the one it came from; the transport maps it to a configured device.
 */
export interface DeviceOutput {
  input: DeviceInput;
  /** The relayed device's address (a call point's address on its receiver). */
  address?: number;
  /** The address the relaying device gives itself in the frame (a receiver's RX byte). */
  relayAddress?: number;
}

/** Input the converter cannot use: counted under `code` by the transport, never thrown past it. */
export class InputRejected extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputRejected';
  }
}

export interface LineSettings {
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'odd' | 'even';
  stopBits: 1 | 2;
}

/** One result of a serial stream: a frame's outputs (possibly none), or a counted reject. */
export type StreamResult = { ok: true; outputs: DeviceOutput[] } | { ok: false; code: string; message: string; raw?: Uint8Array };

/** Bytes in, results out, for one port: a framer, a decoder and a converter in one (drivers/serial/framed-stream.ts). */
export interface SerialStream {
  push(bytes: Uint8Array): StreamResult[];
  /** Forget half a frame and any per-connection state (after the port reopened). */
  reset(): void;
}

interface DefinitionBase {
  /** The `model` id in the hub config. */
  id: string;
  description: string;
  exposes: readonly Exposed[];
  /**
   * How often the device reports while it works, ms, for supervision (hub/rules/supervision.ts): a
   * device silent for longer is missing. Absent for devices that report only when used (a cuff, a
   * scale, a button), which the supervision rule's default covers.
   */
  reportIntervalMs?: number;
}

export interface SerialDeviceDefinition extends DefinitionBase {
  transport: 'serial';
  /** The device's own line settings; the installer may override them per device. */
  serial: LineSettings;
  /** Default port match; an installation's config usually adds the serial number or a by-id path. */
  match?: SerialMatch;
  /** Bytes the host must send: once after each open, and again every `everyMs` while open. */
  handshake?: { onOpen?: Uint8Array; keepAlive?: { bytes: Uint8Array; everyMs: number } };
  /** Whether the model relays other devices (a call-point receiver); its outputs then carry an `address`. */
  relays?: boolean;
  createStream(): SerialStream;
}

export interface MqttDeviceDefinition extends DefinitionBase {
  transport: 'mqtt';
  /**
   * Converts one PUBLISH on the device's own topic channel (docs/mqtt-topics.md). `retained` is true
   * when the device set the retain flag: a retained call is old news, never a live press.
   * Throws InputRejected for payloads it cannot use.
   */
  convert(channel: string, payload: Uint8Array, retained: boolean): DeviceInput[];
}

export interface BleDeviceDefinition extends DefinitionBase {
  transport: 'ble';
  /** The GATT profile the BLE driver subscribes to (drivers/ble/profiles.ts). */
  profile: string;
  /** Converts one decoded characteristic value (protocols/gatt), by 16-bit characteristic UUID. Throws InputRejected. */
  convert(characteristic: number, decoded: { readings: readonly GattReading[] } & Record<string, unknown>): DeviceInput[];
}

/** What a zigbee2mqtt converter knows besides the payload. */
export interface Zigbee2mqttContext {
  /** The installer's use of the device (hub config `zigbee2mqtt.role`). */
  role: Zigbee2mqttRole;
  /** True when the broker replayed a stored message: an old action, never a live press. */
  retained: boolean;
  /** zigbee2mqtt actions carry no sequence number: the transport numbers each press. */
  nextSeq(): number;
}

export interface Zigbee2mqttDeviceDefinition extends DefinitionBase {
  transport: 'zigbee2mqtt';
  /** Converts one `<base>/<friendly_name>` payload. Throws InputRejected. */
  convert(payload: Uint8Array, context: Zigbee2mqttContext): DeviceInput[];
}

export type DeviceDefinition = SerialDeviceDefinition | MqttDeviceDefinition | BleDeviceDefinition | Zigbee2mqttDeviceDefinition;
export type Transport = DeviceDefinition['transport'];
