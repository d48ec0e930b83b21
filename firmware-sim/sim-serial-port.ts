/**
 * The device end of a serial line for the simulated devices (docs/firmware-sim.md#serial): opened
 * through an injected binding (the real one on a PTY, serialport's mock in unit tests), with
 * listeners that survive a close and reopen. While closed (the device is unplugged), writes are
 * dropped and counted, as bytes sent into a pulled cable are.
 */
import type { Logger } from 'pino';
import type { SerialBinding, SerialConnection, SerialOpenOptions } from '../drivers/serial/serialport-binding.ts';

/** What a device sim needs from its port; tests pass a recorder. */
export interface SimPort {
  readonly isOpen: boolean;
  /** Resolves false when the port is closed and the bytes went nowhere. */
  write(bytes: Uint8Array): Promise<boolean>;
  /** Bytes the host sent (commands); returns the remover. */
  onData(cb: (bytes: Uint8Array) => void): () => void;
}

export interface SimSerialPort extends SimPort {
  open(): Promise<void>;
  close(): Promise<void>;
  /** Writes dropped while closed. */
  readonly dropped: number;
}

export interface SimSerialPortOptions extends SerialOpenOptions {
  binding: SerialBinding;
  logger?: Logger;
}

export function createSimSerialPort(options: SimSerialPortOptions): SimSerialPort {
  const { binding, logger, ...line } = options;
  const log = logger?.child({ module: 'sim-serial-port', path: line.path });
  const listeners = new Set<(bytes: Uint8Array) => void>();
  let connection: SerialConnection | null = null;
  let detach: Array<() => void> = [];
  let dropped = 0;

  function forget(): void {
    for (const remove of detach) remove();
    detach = [];
    connection = null;
  }

  return {
    get isOpen() {
      return connection?.isOpen ?? false;
    },
    get dropped() {
      return dropped;
    },
    async open() {
      if (connection) return;
      const opened = await binding.open(line);
      // What the host wrote while the device was away is not a command for this session.
      await opened.flush();
      connection = opened;
      detach = [
        opened.onData((bytes) => {
          for (const cb of listeners) cb(bytes);
        }),
        // The PTY's other end went (socat killed): the device is unplugged until open() again.
        opened.onClose(() => {
          if (connection === opened) forget();
        }),
        opened.onError((err) => log?.warn({ err }, 'simulated device port error')),
      ];
    },
    async close() {
      const open = connection;
      forget();
      await open?.close();
    },
    async write(bytes) {
      if (!connection?.isOpen) {
        dropped++;
        return false;
      }
      try {
        await connection.write(bytes);
        return true;
      } catch (err) {
        // A write racing an unplug: the bytes are lost, as on a real cable.
        log?.debug({ err }, 'write failed');
        dropped++;
        return false;
      }
    },
    onData(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  };
}
