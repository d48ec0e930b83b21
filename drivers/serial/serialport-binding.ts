/**
 * The real serial binding: with ./mock-binding.ts, the only files that import `serialport`
 * (docs/architecture.md#the-seams). Everything else — the call receiver, the firmware simulator,
 * the tests — takes a `SerialBinding` and never sees a SerialPort stream.
 *
 * The binding interface, port matching and the stream-backed connection live here too; the mock
 * binding for unit tests (./mock-binding.ts) reuses the connection.
 */
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { basename, delimiter, dirname, join } from 'node:path';

/** What a port listing says about one port. Ids are lowercase hex without "0x", as udev gives them. */
export interface PortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  /** On Linux: the port's name under /dev/serial/by-id/ (udev's DEVLINKS), when it has one. */
  pnpId?: string;
  vendorId?: string;
  productId?: string;
}

/** How an installation names its port. Any field given must match; `path` alone is used as is. */
export interface SerialMatch {
  /** A fixed path: best a `/dev/serial/by-id/...` link, which follows the device across replugs. */
  path?: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

export interface SerialOpenOptions {
  path: string;
  baudRate: number;
  /** 8N1 when absent. */
  dataBits?: 7 | 8;
  parity?: 'none' | 'odd' | 'even';
  stopBits?: 1 | 2;
}

/** An open port. Each `on*` returns the function that removes that listener. */
export interface SerialConnection {
  readonly path: string;
  readonly isOpen: boolean;
  onData(cb: (bytes: Uint8Array) => void): () => void;
  /** `err` is set when the port went away (unplug, PTY peer closed), null on a requested close. */
  onClose(cb: (err: Error | null) => void): () => void;
  onError(cb: (err: Error) => void): () => void;
  write(bytes: Uint8Array): Promise<void>;
  /** Discards bytes received but not read and written but not sent. */
  flush(): Promise<void>;
  /** Closes; resolves at once when already closed. */
  close(): Promise<void>;
}

export interface SerialBinding {
  open(options: SerialOpenOptions): Promise<SerialConnection>;
  /** Never rejects for a missing udevadm or /dev/serial: an empty list means "nothing found". */
  list(): Promise<PortInfo[]>;
}

export type SerialBindingErrorCode = 'open-failed' | 'not-open' | 'write-failed' | 'flush-failed' | 'close-failed';

export class SerialBindingError extends Error {
  override readonly name = 'SerialBindingError';
  constructor(
    readonly code: SerialBindingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Port matching

export type ResolvePortResult =
  | { ok: true; path: string; info?: PortInfo }
  | { ok: false; code: 'no-match' | 'ambiguous' | 'empty-match'; message: string };

const BY_ID_DIR = '/dev/serial/by-id';

/**
 * Picks the port an installation means. `/dev/ttyUSB0` moves to `ttyUSB1` after a replug or a
 * power cycle and node-serialport does not follow it (node-serialport#648), so installations name
 * a port by USB vendor/product id and serial number, or by its `/dev/serial/by-id/` link. Call this
 * again before every reopen. Two ports matching is an error, not a guess: two identical receivers
 * without a serial number in the match cannot be told apart.
 */
export function resolvePortPath(match: SerialMatch, ports: readonly PortInfo[]): ResolvePortResult {
  const ids = (['vendorId', 'productId', 'serialNumber'] as const).filter((k) => match[k] !== undefined);
  if (ids.length === 0) {
    if (match.path === undefined) return { ok: false, code: 'empty-match', message: 'match names no path and no USB ids' };
    // A configured path is used as is: a PTY or a by-id link need not appear in any listing, and
    // when the device is absent the open fails and the caller retries.
    const info = ports.find((p) => p.path === match.path || byIdPath(p) === match.path);
    return info ? { ok: true, path: match.path, info } : { ok: true, path: match.path };
  }
  const found = ports.filter((p) => ids.every((k) => sameId(k, p[k], match[k])) && (match.path === undefined || p.path === match.path || byIdPath(p) === match.path));
  const wanted = describeMatch(match);
  if (found.length === 0) return { ok: false, code: 'no-match', message: `no serial port matches ${wanted} among ${ports.length}` };
  if (found.length > 1) {
    return { ok: false, code: 'ambiguous', message: `${found.length} serial ports match ${wanted} (${found.map((p) => p.path).join(', ')}); add serialNumber` };
  }
  const info = found[0]!;
  // Prefer the by-id link: it still names this device if the kernel renumbers it while we hold it.
  return { ok: true, path: byIdPath(info) ?? info.path, info };
}

function byIdPath(info: PortInfo): string | undefined {
  return info.pnpId ? `${BY_ID_DIR}/${info.pnpId}` : undefined;
}

function sameId(key: 'vendorId' | 'productId' | 'serialNumber', a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  // USB ids are hex: "0x0403", "0403" and "0403 " all name FTDI. Serial numbers compare exactly.
  if (key === 'serialNumber') return a === b;
  return normaliseHexId(a) === normaliseHexId(b);
}

function normaliseHexId(id: string): string {
  return id.trim().toLowerCase().replace(/^0x/, '').padStart(4, '0');
}

function describeMatch(match: SerialMatch): string {
  return Object.entries(match)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

// ---------------------------------------------------------------------------------------------
// Connection over a serialport stream (real or mock)

/** The part of serialport's SerialPortStream that a connection uses; both SerialPort and SerialPortMock fit. */
export interface PortStream {
  readonly path: string;
  readonly isOpen: boolean;
  on(event: 'data', cb: (chunk: Buffer) => void): unknown;
  on(event: 'close', cb: (err?: Error | null) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  write(chunk: Buffer, cb: (err: Error | null | undefined) => void): boolean;
  flush(cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
}

export class StreamConnection implements SerialConnection {
  // One stream listener per event for the connection's life: an 'error' without a listener would
  // be thrown by the stream, and fanning out from sets lets callers unsubscribe cleanly.
  private readonly dataCallbacks = new Set<(bytes: Uint8Array) => void>();
  private readonly closeCallbacks = new Set<(err: Error | null) => void>();
  private readonly errorCallbacks = new Set<(err: Error) => void>();
  /** The last error seen with nobody subscribed; kept for debugging, never thrown. */
  lastUnhandledError: Error | null = null;

  constructor(private readonly stream: PortStream) {
    stream.on('data', (chunk) => {
      for (const cb of this.dataCallbacks) cb(chunk);
    });
    stream.on('close', (err) => {
      for (const cb of this.closeCallbacks) cb(err ?? null);
    });
    stream.on('error', (err) => {
      if (this.errorCallbacks.size === 0) this.lastUnhandledError = err;
      for (const cb of this.errorCallbacks) cb(err);
    });
  }

  get path(): string {
    return this.stream.path;
  }

  get isOpen(): boolean {
    return this.stream.isOpen;
  }

  /** Live subscriptions, for tests that check stop() removed everything. */
  get subscriberCount(): number {
    return this.dataCallbacks.size + this.closeCallbacks.size + this.errorCallbacks.size;
  }

  onData(cb: (bytes: Uint8Array) => void): () => void {
    return subscribe(this.dataCallbacks, cb);
  }

  onClose(cb: (err: Error | null) => void): () => void {
    return subscribe(this.closeCallbacks, cb);
  }

  onError(cb: (err: Error) => void): () => void {
    return subscribe(this.errorCallbacks, cb);
  }

  write(bytes: Uint8Array): Promise<void> {
    const stream = this.stream;
    if (!stream.isOpen) return Promise.reject(new SerialBindingError('not-open', `${stream.path} is not open`));
    return new Promise((resolve, reject) => {
      stream.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), function onWritten(err) {
        if (err) reject(new SerialBindingError('write-failed', `write to ${stream.path} failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }

  flush(): Promise<void> {
    const stream = this.stream;
    return new Promise((resolve, reject) => {
      stream.flush(function onFlushed(err) {
        if (err) reject(new SerialBindingError('flush-failed', `flush of ${stream.path} failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    const stream = this.stream;
    if (!stream.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      stream.close(function onClosed(err) {
        // A port that went away while closing is closed all the same.
        if (err && stream.isOpen) reject(new SerialBindingError('close-failed', `close of ${stream.path} failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }
}

function subscribe<T>(set: Set<T>, cb: T): () => void {
  set.add(cb);
  return function unsubscribe() {
    set.delete(cb);
  };
}

export function openStream<S extends PortStream & { open(cb: (err: Error | null) => void): void }>(stream: S): Promise<S> {
  return new Promise((resolve, reject) => {
    stream.open(function onOpened(err) {
      if (err) reject(new SerialBindingError('open-failed', `cannot open ${stream.path}: ${err.message}`, { cause: err }));
      else resolve(stream);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Real binding

export interface SerialportBindingOptions {
  /** Where udev keeps stable links; the listing falls back to it when udevadm is missing. */
  byIdDir?: string;
  /** sysfs tty class folder, read for USB ids in the fallback listing. */
  sysClassTtyDir?: string;
}

/**
 * serialport is imported on first use, not with this module: a hub with no serial device never loads
 * its native binding and parsers (a few MiB of RSS; docs/benchmarks.md#memory-hub-rss-with-1000-devices-npm-run-benchmemory).
 */
const loadSerialPort = async () => (await import('serialport')).SerialPort;

export function createSerialportBinding(options: SerialportBindingOptions = {}): SerialBinding {
  const byIdDir = options.byIdDir ?? BY_ID_DIR;
  const sysClassTtyDir = options.sysClassTtyDir ?? '/sys/class/tty';
  return {
    async open({ path, baudRate, dataBits = 8, parity = 'none', stopBits = 1 }) {
      const SerialPort = await loadSerialPort();
      const port = new SerialPort({ path, baudRate, dataBits, parity, stopBits, autoOpen: false });
      await openStream(port);
      return new StreamConnection(port);
    },
    async list() {
      // SerialPort.list() spawns `udevadm info -e`; with no udevadm the spawn's ENOENT can arrive as
      // an uncaught 'error' that kills the process (docs/adding-a-device.md#serial-pitfalls). Only call it when udevadm exists.
      if (commandOnPath('udevadm')) {
        try {
          return (await (await loadSerialPort()).list()).map(normalisePortInfo);
        } catch {
          // fall through to the by-id folder
        }
      }
      return listByIdDir(byIdDir, sysClassTtyDir);
    },
  };
}

function commandOnPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), fsConstants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

export function normalisePortInfo(p: { path: string; manufacturer?: string | undefined; serialNumber?: string | undefined; pnpId?: string | undefined; vendorId?: string | undefined; productId?: string | undefined }): PortInfo {
  const out: PortInfo = { path: p.path };
  if (p.manufacturer) out.manufacturer = p.manufacturer;
  if (p.serialNumber) out.serialNumber = p.serialNumber;
  if (p.pnpId) out.pnpId = p.pnpId;
  if (p.vendorId) out.vendorId = p.vendorId.toLowerCase();
  if (p.productId) out.productId = p.productId.toLowerCase();
  return out;
}

/**
 * Lists ports from udev's `/dev/serial/by-id` links, reading USB ids from sysfs: the tty's
 * `device` link points into the USB interface; idVendor/idProduct/serial sit a level or two up.
 */
export async function listByIdDir(byIdDir = BY_ID_DIR, sysClassTtyDir = '/sys/class/tty'): Promise<PortInfo[]> {
  let names: string[];
  try {
    names = await readdir(byIdDir);
  } catch {
    return []; // no USB serial device plugged in, or no udev at all
  }
  const out: PortInfo[] = [];
  for (const name of names.sort()) {
    let target: string;
    try {
      target = await realpath(join(byIdDir, name));
    } catch {
      continue; // dangling link: the device left while we listed
    }
    const info: PortInfo = { path: target, pnpId: name };
    const usb = await readUsbIds(join(sysClassTtyDir, basename(target), 'device'));
    Object.assign(info, usb);
    out.push(info);
  }
  return out;
}

async function readUsbIds(deviceLink: string): Promise<Partial<PortInfo>> {
  let dir: string;
  try {
    dir = await realpath(deviceLink);
  } catch {
    return {};
  }
  // ttyUSB: .../1-1.2:1.0/ttyUSB0 → device is the interface; ids are on its parent. ttyACM: same. 4 levels is plenty.
  for (let i = 0; i < 4 && dir !== '/'; i++, dir = dirname(dir)) {
    if (!existsSync(join(dir, 'idVendor'))) continue;
    const read = async (f: string) => (await readFile(join(dir, f), 'utf8').catch(() => '')).trim() || undefined;
    const ids: Partial<PortInfo> = {};
    const vendorId = await read('idVendor');
    const productId = await read('idProduct');
    const serialNumber = await read('serial');
    const manufacturer = await read('manufacturer');
    if (vendorId) ids.vendorId = vendorId.toLowerCase();
    if (productId) ids.productId = productId.toLowerCase();
    if (serialNumber) ids.serialNumber = serialNumber;
    if (manufacturer) ids.manufacturer = manufacturer;
    return ids;
  }
  return {};
}
