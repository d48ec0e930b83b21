/** Transport status and counters every driver reports. */

/** Status of one transport (a serial port, a BLE link). */
export type TransportStatus = 'opening' | 'open' | 'closed' | 'error';

/** Counters a driver keeps; the hub exposes them on /metrics. */
export interface DriverStats {
  framesOk: number;
  /** Rejected input by reason code (garbage, bad-crc, bad-length, ...). */
  rejected: Record<string, number>;
  bytesIn: number;
  reopens: number;
}
