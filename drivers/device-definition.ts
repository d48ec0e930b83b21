/**
 * A device model is a data record (docs/adding-a-device.md), as zigbee-herdsman-converters defines devices:
 * how to match it, its transport settings, its framer and codec, and what it exposes.
 * One file per model under drivers/devices/; drivers/index.ts lists them all.
 */
import type { FramerOutput } from '../protocols/call-framer.ts';
import type { SerialMatch } from './serial/serialport-binding.ts';

/** One value a device reports; `unit` is UCUM where the value is a quantity. */
export interface Exposed {
  name: string;
  type: 'event' | 'numeric' | 'enum';
  description: string;
  unit?: string;
  values?: readonly string[];
  min?: number;
  max?: number;
}

/** The pure framer a serial device uses: bytes in, frames or coded rejects out. */
export interface SerialFramer {
  push(bytes: Uint8Array): FramerOutput[];
  reset(): void;
}

export interface SerialDeviceDefinition {
  id: string;
  description: string;
  transport: 'serial';
  serial: { baudRate: number; dataBits: 8; parity: 'none'; stopBits: 1 };
  /** Default port match; an installation's config usually adds the serial number or a by-id path. */
  match?: SerialMatch;
  createFramer(): SerialFramer;
  exposes: readonly Exposed[];
}

/** BLE and MQTT device definitions join this union when their drivers land. */
export type DeviceDefinition = SerialDeviceDefinition;
