/**
 * The shape of one GATT characteristic codec (docs/gatt.md): pure functions over bytes, keyed by
 * the 16-bit UUID in the registry (index.ts). `decode` throws only GattDecodeError; `encode`
 * (for the firmware simulator and round-trip tests) throws only GattEncodeError.
 */
import type { GattReading } from './readings.ts';

export interface GattCodec<V, D extends V & { readings: GattReading[] } = V & { readings: GattReading[] }> {
  /** 16-bit characteristic UUID (Bluetooth SIG assigned numbers). */
  uuid: number;
  /** kebab-case id, for logs and the `hub decode` tool. */
  id: string;
  name: string;
  decode(bytes: Uint8Array): D;
  encode(value: V): Uint8Array;
}

/** Decoded values all carry their readings (possibly none: a feature map has no vital). */
export type Decoded<V> = V & { readings: GattReading[] };
