/** What drivers hand to the hub: decoded device values, not yet Events. */
import type { CallFrame } from '../protocols/call-frame.ts';

/** Status of one transport (a serial port, a BLE link). */
export type TransportStatus = 'opening' | 'open' | 'closed' | 'error';

/** A serial call-point receiver's decoded frame, tagged with the port it came from. */
export interface CallPointObservation {
  portId: string;
  frame: CallFrame;
}

/** Counters a driver keeps; the hub exposes them on /metrics. */
export interface DriverStats {
  framesOk: number;
  /** Rejected input by reason code (garbage, bad-crc, bad-length, ...). */
  rejected: Record<string, number>;
  bytesIn: number;
  reopens: number;
}
