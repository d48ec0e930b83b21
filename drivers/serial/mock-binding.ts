/**
 * A serial binding over serialport's own mock, for unit tests: ports are made in memory, bytes are
 * "sent by the device" with emitData(), and unplug()/replug() play a USB cable pulled and put back.
 *
 * The mock must come from `SerialPortMock.binding`: importing `MockBinding` from
 * '@serialport/binding-mock' under ESM gives a second copy with its own port table (a dual-package
 * hazard), so ports made there would be invisible here.
 */
import { SerialPortMock } from 'serialport';
import { normalisePortInfo, openStream, SerialBindingError, StreamConnection, type SerialBinding } from './serialport-binding.ts';

export interface MockPortOptions {
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  /** Largest chunk one read returns; 1 delivers every byte on its own, to test reassembly. */
  maxReadSize?: number;
  /** Bytes waiting in the port when it is opened: what a UART or PTY kept while nobody read. */
  readyData?: Uint8Array;
}

export interface MockSerialBinding extends SerialBinding {
  /** Makes a port exist (serialport's mock port table is process-wide: use a distinct path per test). */
  createPort(path: string, options?: MockPortOptions): void;
  /** Pretends the device sent bytes on the open connection at `path`. */
  emitData(path: string, bytes: Uint8Array): void;
  /** Pretends the device vanished: the open connection closes with a disconnect error and opens fail until replug(). */
  unplug(path: string): void;
  replug(path: string): void;
  isOpen(path: string): boolean;
  /** Listeners still subscribed on the last connection opened at `path`. */
  subscriberCount(path: string): number;
  /** Bytes written to the last connection at `path`, in order. */
  written(path: string): Uint8Array;
  /** Number of successful opens of `path`. */
  openCount(path: string): number;
}

export function createMockSerialBinding(): MockSerialBinding {
  const mock = SerialPortMock.binding;
  /** Keyed by port path: the last connection opened there. */
  const connections = new Map<string, { stream: SerialPortMock; connection: StreamConnection; written: number[] }>();
  /** Keyed by port path: serial numbers given at creation (serialport's mock numbers them itself). */
  const serials = new Map<string, string>();
  /** Keyed by port path: successful opens. */
  const opens = new Map<string, number>();
  const unplugged = new Set<string>();

  function current(path: string) {
    const entry = connections.get(path);
    if (!entry) throw new Error(`mock port ${path} was never opened`);
    return entry;
  }

  return {
    async open({ path, baudRate }) {
      if (unplugged.has(path)) {
        throw new SerialBindingError('open-failed', `cannot open ${path}: no such file or directory (unplugged)`);
      }
      const stream = new SerialPortMock({ path, baudRate, autoOpen: false });
      await openStream(stream);
      const connection = new StreamConnection(stream);
      const entry = { stream, connection, written: [] as number[] };
      // Record writes at the binding level so tests can see what a driver or sim sent.
      const write = connection.write.bind(connection);
      connection.write = async (bytes: Uint8Array) => {
        await write(bytes);
        entry.written.push(...bytes);
      };
      connections.set(path, entry);
      opens.set(path, (opens.get(path) ?? 0) + 1);
      return connection;
    },
    async list() {
      const ports = await mock.list();
      return ports
        .filter((p) => !unplugged.has(p.path))
        .map((p) => normalisePortInfo({ ...p, serialNumber: serials.get(p.path) ?? p.serialNumber }));
    },
    createPort(path, options = {}) {
      const { serialNumber, readyData, ...rest } = options;
      mock.createPort(path, readyData ? { ...rest, readyData: Buffer.from(readyData) } : rest);
      if (serialNumber !== undefined) serials.set(path, serialNumber);
    },
    emitData(path, bytes) {
      const { stream } = current(path);
      if (!stream.isOpen) throw new Error(`mock port ${path} is not open`);
      stream.port!.emitData(Buffer.from(bytes));
    },
    unplug(path) {
      unplugged.add(path);
      const entry = connections.get(path);
      if (entry?.stream.isOpen) {
        const err = Object.assign(new Error(`${path} unplugged`), { code: 'EIO' });
        // What serialport does when a read fails with anything but "canceled": close with a DisconnectedError.
        entry.stream._disconnected(err);
      }
    },
    replug(path) {
      unplugged.delete(path);
    },
    isOpen(path) {
      return connections.get(path)?.stream.isOpen ?? false;
    },
    subscriberCount(path) {
      return connections.get(path)?.connection.subscriberCount ?? 0;
    },
    written(path) {
      return Uint8Array.from(connections.get(path)?.written ?? []);
    },
    openCount(path) {
      return opens.get(path) ?? 0;
    },
  };
}
