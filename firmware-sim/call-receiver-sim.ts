/**
 * Plays a call-point receiver on a serial port (usually the device end of a PTY pair): each
 * press() writes one v1 frame with that call point's next sequence number.
 *
 * The binding is injected (docs/architecture.md#the-seams): callers pass drivers/serial/serialport-binding.ts's real
 * binding for a PTY, or its mock. Only its type is imported here.
 */
import type { Logger } from 'pino';
import { encodeCallFrame, type CallFrame, type CallPointEvent } from '../protocols/call-frame.ts';
import type { SerialBinding, SerialConnection } from '../drivers/serial/serialport-binding.ts';

export interface CallReceiverSimOptions {
  binding: SerialBinding;
  path: string;
  /** Receiver address in every frame (1..254). */
  receiver?: number;
  /** 19200, the v1 receiver's UART rate. */
  baudRate?: number;
  /**
   * Wait the frame's time on the wire after each write (10 bits a byte at baudRate). A PTY
   * ignores the baud rate and would deliver 10,000 frames in ~0.1 s (docs/adding-a-device.md#serial-pitfalls).
   */
  pace?: boolean;
  logger?: Logger;
}

export interface PressOptions {
  /** Battery percent, or null for "unknown" (0xFF on the wire). Default: null. */
  battery?: number | null;
  /** Force a sequence number (e.g. to replay a duplicate); the counter is not advanced. */
  seq?: number;
}

export interface CallReceiverSim {
  open(): Promise<void>;
  press(callPoint: number, event: CallPointEvent, options?: PressOptions): Promise<CallFrame>;
  /** Writes bytes as they are: noise, truncated or corrupt frames. */
  writeRaw(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export class CallReceiverSimError extends Error {
  override readonly name = 'CallReceiverSimError';
  constructor(
    readonly code: 'not-open',
    message: string,
  ) {
    super(message);
  }
}

export function createCallReceiverSim(options: CallReceiverSimOptions): CallReceiverSim {
  const receiver = options.receiver ?? 1;
  const baudRate = options.baudRate ?? 19200;
  const log = options.logger?.child({ module: 'call-receiver-sim', path: options.path });
  /** Keyed by call-point address: the last sequence number sent. */
  const lastSeq = new Map<number, number>();
  let connection: SerialConnection | null = null;

  async function write(bytes: Uint8Array): Promise<void> {
    if (!connection) throw new CallReceiverSimError('not-open', `simulated receiver on ${options.path} is not open`);
    await connection.write(bytes);
    if (options.pace) await new Promise((resolve) => setTimeout(resolve, Math.ceil((bytes.length * 10 * 1000) / baudRate)));
  }

  return {
    async open() {
      if (connection) return;
      connection = await options.binding.open({ path: options.path, baudRate });
      // Whatever the hub end wrote before we opened is not for this session.
      await connection.flush();
      log?.debug('simulated receiver open');
    },
    async press(callPoint, event, pressOptions = {}) {
      let seq = pressOptions.seq;
      if (seq === undefined) {
        seq = ((lastSeq.get(callPoint) ?? 0) + 1) & 0xffff; // wraps at 65535 like the firmware
        lastSeq.set(callPoint, seq);
      }
      const frame: CallFrame = { receiver, callPoint, event, seq, battery: pressOptions.battery ?? null };
      await write(encodeCallFrame(frame));
      log?.debug({ frame }, 'frame sent');
      return frame;
    },
    async writeRaw(bytes) {
      await write(bytes);
    },
    async close() {
      const open = connection;
      connection = null;
      await open?.close();
    },
  };
}
