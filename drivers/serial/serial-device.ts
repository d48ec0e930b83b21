/**
 * One serial device, whatever its model (docs/devices.md#serial): port → bytes → the definition's
 * stream (framer, decoder, converter) → device outputs. It opens the port with the model's line
 * settings (the installer may override them) and sends the model's handshake and keep-alive.
 *
 * The port is found by match (USB ids, serial number or a by-id path) before every open, because
 * device nodes move after a replug and node-serialport never reopens by itself
 * (node-serialport#648). When the port closes, errors, or cannot be opened, the driver reopens it
 * with the hub's one backoff (drivers/backoff.ts: capped, full jitter) until stop().
 */
import type { Logger } from 'pino';
import type { DriverStats, TransportStatus } from '../types.ts';
import type { DeviceOutput, LineSettings, SerialDeviceDefinition, SerialStream } from '../device-definition.ts';
import { Backoff, type BackoffOptions } from '../backoff.ts';
import { systemClock, type Clock } from '../clock.ts';
import { resolvePortPath, type SerialBinding, type SerialConnection, type SerialMatch } from './serialport-binding.ts';

export type { BackoffOptions } from '../backoff.ts';

export interface SerialDeviceOptions {
  /** Stable id of this port's device in the hub config, for logs. */
  portId: string;
  binding: SerialBinding;
  /** Which port; resolved again before every open. */
  match: SerialMatch;
  /** The outputs of one good frame (possibly none: a repeat the stream thinned out). */
  onOutputs(outputs: DeviceOutput[]): void;
  onStatus?(status: TransportStatus, detail?: string): void;
  logger: Logger;
  device: SerialDeviceDefinition;
  /** The installer's overrides of the model's line settings. */
  line?: Partial<LineSettings>;
  clock?: Clock;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  backoff?: Partial<BackoffOptions>;
  /**
   * Discard what the port held before we opened it (default true). Bytes written while nobody
   * read stay in a PTY or UART buffer and reach the next opener (docs/adding-a-device.md#serial-pitfalls): a call frame of
   * unknown age must not raise an alarm now. Call points repeat unacknowledged presses.
   */
  flushOnOpen?: boolean;
  /**
   * Reopen a port that has been silent this long, ms (default: off). Linux does not always report
   * a vanished device or a hung-up PTY to serialport (node-serialport#2043, #1243; a killed socat
   * went unnoticed in ~3% of our PTY runs), and call points send heartbeats, so silence longer than
   * a few heartbeat intervals means the link is dead. Set it from the installation's heartbeat period.
   */
  idleReopenMs?: number;
}

export interface SerialDevice {
  /** Opens the port; resolves after the first attempt whether or not it succeeded (retries continue). */
  start(): Promise<void>;
  /** Cancels retries, removes every listener, closes the port. */
  stop(): Promise<void>;
  /** A snapshot of the counters. */
  readonly stats: DriverStats;
  readonly status: TransportStatus;
}

/** maxMs 30 s keeps a replugged receiver's calls within a nurse's patience. */
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, stableMs: 30_000 };

export function createSerialDevice(options: SerialDeviceOptions): SerialDevice {
  return new SerialDeviceDriver(options);
}

class SerialDeviceDriver implements SerialDevice {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly stream: SerialStream;
  private readonly line: LineSettings;
  private readonly counters: DriverStats = { framesOk: 0, rejected: {}, bytesIn: 0, reopens: 0 };

  private running = false;
  private current: TransportStatus = 'closed';
  private connection: SerialConnection | null = null;
  private detachers: Array<() => void> = [];
  private opening: Promise<void> | null = null;
  private retryTimer: { handle: unknown } | null = null;
  private idleTimer: { handle: unknown } | null = null;
  private keepAliveTimer: { handle: unknown } | null = null;
  private lastDataAt = 0;
  private openedAt = 0;
  private openedOnce = false;

  constructor(private readonly options: SerialDeviceOptions) {
    this.log = options.logger.child({ module: 'serial-device', portId: options.portId, model: options.device.id });
    this.clock = options.clock ?? systemClock;
    this.backoff = new Backoff({ ...DEFAULT_BACKOFF, ...options.backoff }, options.random);
    this.stream = options.device.createStream();
    this.line = { ...options.device.serial, ...options.line };
  }

  get stats(): DriverStats {
    return { ...this.counters, rejected: { ...this.counters.rejected } };
  }

  get status(): TransportStatus {
    return this.current;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.openOnce();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.retryTimer) {
      this.clock.clearTimeout(this.retryTimer.handle);
      this.retryTimer = null;
    }
    this.clearConnectionTimers();
    // An open in flight sees running=false when it lands and closes what it got.
    await this.opening;
    const connection = this.detach();
    if (connection) {
      try {
        await connection.close();
      } catch (err) {
        this.log.warn({ err }, 'closing serial port failed');
      }
    }
    this.stream.reset();
    this.setStatus('closed', 'stopped');
  }

  private openOnce(): Promise<void> {
    const tracked: Promise<void> = this.open()
      .catch((err: unknown) => {
        // open() handles its own failures; this guard keeps a bug from escaping a timer as a rejection.
        this.log.error({ err }, 'unexpected failure while opening serial port');
        this.scheduleReopen();
      })
      .finally(() => {
        if (this.opening === tracked) this.opening = null;
      });
    this.opening = tracked;
    return tracked;
  }

  private async open(): Promise<void> {
    this.setStatus('opening');
    const path = await this.resolvePath();
    if (path === null || !this.running) return;
    const line = this.line;
    let connection: SerialConnection;
    try {
      connection = await this.options.binding.open({ path, ...line });
    } catch (err) {
      if (!this.running) return;
      this.log.warn({ err, path }, 'cannot open serial port');
      this.setStatus('error', `cannot open ${path}: ${(err as Error).message}`);
      this.scheduleReopen();
      return;
    }
    if (!this.running) {
      await connection.close().catch((err: unknown) => this.log.warn({ err }, 'closing serial port failed'));
      return;
    }
    this.connection = connection;
    this.stream.reset();
    this.detachers.push(
      connection.onClose((err) => this.handleClose(connection, err)),
      connection.onError((err) => this.handleError(connection, err)),
    );
    if (this.options.flushOnOpen ?? true) {
      try {
        await connection.flush();
      } catch (err) {
        this.log.warn({ err, path }, 'flush after open failed; stale bytes may follow');
      }
      if (this.connection !== connection) return; // closed or stopped while flushing
    }
    // Subscribe to data only now: whatever the stream read before the flush is dropped with it.
    this.detachers.push(connection.onData((bytes) => this.handleData(bytes)));
    if (this.openedOnce) this.counters.reopens++;
    this.openedOnce = true;
    this.openedAt = this.clock.now();
    this.lastDataAt = this.openedAt;
    this.armIdleTimer(connection);
    this.startHandshake(connection);
    this.log.info({ path, ...line }, 'serial port open');
    this.setStatus('open', path);
  }

  private async resolvePath(): Promise<string | null> {
    const match = this.options.match;
    const needsListing = match.vendorId !== undefined || match.productId !== undefined || match.serialNumber !== undefined;
    let ports: Awaited<ReturnType<SerialBinding['list']>> = [];
    if (needsListing) {
      try {
        ports = await this.options.binding.list();
      } catch (err) {
        this.log.warn({ err }, 'listing serial ports failed');
      }
    }
    const resolved = resolvePortPath(match, ports);
    if (resolved.ok) return resolved.path;
    if (!this.running) return null;
    this.log.warn({ code: resolved.code, match }, resolved.message);
    this.setStatus('error', resolved.message);
    this.scheduleReopen();
    return null;
  }

  private handleData(bytes: Uint8Array): void {
    this.counters.bytesIn += bytes.length;
    this.lastDataAt = this.clock.now();
    let outputs;
    try {
      outputs = this.stream.push(bytes);
    } catch (err) {
      // The stream is pure and should not throw; if it does, drop its state rather than the process.
      this.log.error({ err }, 'serial stream failed; buffer reset');
      this.stream.reset();
      return;
    }
    for (const out of outputs) {
      if (out.ok) {
        this.counters.framesOk++;
        try {
          this.options.onOutputs(out.outputs);
        } catch (err) {
          this.log.error({ err }, 'onOutputs handler threw');
        }
      } else {
        this.counters.rejected[out.code] = (this.counters.rejected[out.code] ?? 0) + 1;
        this.log.debug({ code: out.code, ...(out.raw && { raw: toHex(out.raw) }) }, out.message);
      }
    }
  }

  private handleClose(connection: SerialConnection, err: Error | null): void {
    if (connection !== this.connection) return;
    this.detach();
    this.stream.reset(); // half a frame from the old connection must not join the next one's bytes
    if (!this.running) return;
    this.backoff.linkLost(this.clock.now() - this.openedAt);
    const detail = err ? `port closed: ${err.message}` : 'port closed';
    this.log.warn({ err }, detail);
    this.setStatus('closed', detail);
    this.scheduleReopen();
  }

  private handleError(connection: SerialConnection, err: Error): void {
    if (connection !== this.connection || !this.running) return;
    this.log.warn({ err }, 'serial port error');
    this.setStatus('error', err.message);
    // Most errors end in a close event; one that left the port shut needs the reopen here.
    if (!connection.isOpen) this.handleClose(connection, err);
  }

  private scheduleReopen(): void {
    if (!this.running || this.retryTimer) return;
    const delayMs = this.backoff.next();
    this.log.info({ delayMs, attempt: this.backoff.attempt }, 'reopening serial port after delay');
    const timer = {
      handle: this.clock.setTimeout(() => {
        if (this.retryTimer !== timer) return;
        this.retryTimer = null;
        if (this.running) void this.openOnce();
      }, delayMs),
    };
    this.retryTimer = timer;
  }

  /** One timer per open connection, re-armed for the remaining time instead of on every chunk. */
  private armIdleTimer(connection: SerialConnection): void {
    const idleMs = this.options.idleReopenMs;
    if (idleMs === undefined || idleMs <= 0) return;
    const dueIn = Math.max(0, this.lastDataAt + idleMs - this.clock.now());
    const timer = {
      handle: this.clock.setTimeout(() => {
        if (this.idleTimer !== timer) return;
        this.idleTimer = null;
        if (connection !== this.connection) return;
        if (this.clock.now() - this.lastDataAt < idleMs) {
          this.armIdleTimer(connection);
          return;
        }
        this.log.warn({ idleMs }, 'serial port silent; reopening');
        this.detach();
        this.stream.reset();
        connection.close().catch((err: unknown) => this.log.warn({ err }, 'closing silent serial port failed'));
        this.setStatus('closed', `no data for ${idleMs} ms`);
        this.scheduleReopen();
      }, dueIn),
    };
    this.idleTimer = timer;
  }

  private clearConnectionTimers(): void {
    if (this.idleTimer) this.clock.clearTimeout(this.idleTimer.handle);
    this.idleTimer = null;
    if (this.keepAliveTimer) this.clock.clearTimeout(this.keepAliveTimer.handle);
    this.keepAliveTimer = null;
  }

  /**
   * Sends the model's start bytes, then its keep-alive while this connection stays open. Until the
   * device has sent a good frame the start bytes go again in place of the keep-alive: a device
   * powered on after the port opened, or one whose buffer we flushed, never heard the first ones.
   */
  private startHandshake(connection: SerialConnection): void {
    const handshake = this.options.device.handshake;
    if (!handshake) return;
    const send = (bytes: Uint8Array, what: string) =>
      connection.write(bytes).catch((err: unknown) => this.log.warn({ err, what }, 'serial handshake write failed'));
    if (handshake.onOpen) void send(handshake.onOpen, 'start');
    const keepAlive = handshake.keepAlive;
    if (!keepAlive) return;
    const framesAtOpen = this.counters.framesOk;
    const tick = () => {
      const timer = {
        handle: this.clock.setTimeout(() => {
          if (this.keepAliveTimer !== timer || connection !== this.connection) return;
          const answered = this.counters.framesOk > framesAtOpen;
          if (!answered && handshake.onOpen) void send(handshake.onOpen, 'start');
          else void send(keepAlive.bytes, 'keep-alive');
          tick();
        }, keepAlive.everyMs),
      };
      this.keepAliveTimer = timer;
    };
    tick();
  }

  private detach(): SerialConnection | null {
    this.clearConnectionTimers();
    for (const remove of this.detachers) remove();
    this.detachers = [];
    const connection = this.connection;
    this.connection = null;
    return connection;
  }

  private setStatus(status: TransportStatus, detail?: string): void {
    this.current = status;
    if (!this.options.onStatus) return;
    try {
      this.options.onStatus(status, detail);
    } catch (err) {
      this.log.error({ err }, 'onStatus handler threw');
    }
  }
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
