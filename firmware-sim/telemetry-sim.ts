/**
 * Load generator for the benchmark: N device clients stream TelemetryMessage JSON at a total rate
 * (messages per second), round robin over the clients. It owns its timer (docs/architecture.md#the-seams: transports
 * and generators own real time). stop() ends the clients and returns the counts.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { deviceTopic, type TelemetryMessage } from '../protocols/mqtt-topics.ts';
import { VITAL_METRICS } from '../protocols/vitals.ts';

export interface TelemetryDevice {
  deviceId: string;
  password: string;
}

export interface TelemetrySimOptions {
  url: string;
  devices: readonly TelemetryDevice[];
  /** Total messages per second across all devices. */
  ratePerSecond: number;
  qos?: 0 | 1;
  /** Builds message number `n` (0-based) for a device; default: plausible heart rate and SpO2. */
  message?: (n: number, deviceId: string) => TelemetryMessage;
  /** How often the generator wakes, ms; each wake sends what the rate owes since start. */
  tickMs?: number;
  /** Stop after this many messages (then `done` resolves). */
  limit?: number;
  logger?: Logger;
}

export interface TelemetrySimCounts {
  /** publish() calls made. */
  sent: number;
  /** Publishes the client completed (QoS 0: written to the socket; QoS 1: PUBACK). */
  acked: number;
  failed: number;
  /** Messages the generator skipped because the clients fell behind (its backlog cap). */
  dropped: number;
  elapsedMs: number;
}

export interface TelemetrySim {
  start(): Promise<void>;
  /** Stops sending, waits (bounded) for in-flight publishes, disconnects; returns final counts. */
  stop(): Promise<TelemetrySimCounts>;
  /** Resolves when `limit` messages were sent. */
  readonly done: Promise<void>;
  readonly counts: TelemetrySimCounts;
}

export function defaultTelemetryMessage(n: number): TelemetryMessage {
  // Alternate heart rate (60..99 /min) and SpO2 (94..99 %); units from the one metric table.
  return n % 2 === 0
    ? { metric: 'heart-rate', value: 60 + (n % 40), unit: VITAL_METRICS['heart-rate'].unit }
    : { metric: 'spo2', value: 94 + (n % 6), unit: VITAL_METRICS.spo2.unit };
}

export function createTelemetrySim(options: TelemetrySimOptions): TelemetrySim {
  const log = options.logger?.child({ module: 'telemetry-sim' });
  const tickMs = options.tickMs ?? 10;
  const qos = options.qos ?? 0;
  const build = options.message ?? defaultTelemetryMessage;
  // At most one second of backlog: a generator that fell behind does not burst to catch up.
  const maxBacklog = Math.max(1, Math.ceil(options.ratePerSecond));
  const counts: TelemetrySimCounts = { sent: 0, acked: 0, failed: 0, dropped: 0, elapsedMs: 0 };
  let clients: MqttClient[] = [];
  let timer: NodeJS.Timeout | null = null;
  let startedAt = 0;
  let next = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  function tick(): void {
    const now = performance.now();
    let owed = Math.floor(((now - startedAt) / 1000) * options.ratePerSecond) - counts.sent - counts.dropped;
    if (owed > maxBacklog) {
      counts.dropped += owed - maxBacklog;
      owed = maxBacklog;
    }
    for (let i = 0; i < owed; i++) {
      if (options.limit !== undefined && counts.sent >= options.limit) {
        halt();
        resolveDone();
        return;
      }
      const index = next++ % clients.length;
      const client = clients[index]!;
      const device = options.devices[index]!;
      counts.sent++;
      client.publish(deviceTopic(device.deviceId, 'telemetry'), JSON.stringify(build(counts.sent - 1, device.deviceId)), { qos }, (err) => {
        if (err) counts.failed++;
        else counts.acked++;
      });
    }
    if (options.limit !== undefined && counts.sent >= options.limit) {
      halt();
      resolveDone();
    }
  }

  function halt(): void {
    if (timer) clearInterval(timer);
    timer = null;
    counts.elapsedMs = performance.now() - startedAt;
  }

  return {
    done,
    get counts() {
      return { ...counts, elapsedMs: timer ? performance.now() - startedAt : counts.elapsedMs };
    },
    async start() {
      if (options.devices.length === 0) throw new Error('telemetry sim needs at least one device');
      clients = await Promise.all(
        options.devices.map((d) =>
          connectAsync(options.url, { protocolVersion: 4, clientId: d.deviceId, username: d.deviceId, password: d.password, reconnectPeriod: 0, clean: true }),
        ),
      );
      for (const c of clients) c.on('error', (err) => log?.warn({ err }, 'mqtt client error'));
      startedAt = performance.now();
      timer = setInterval(tick, tickMs);
      log?.info({ devices: clients.length, ratePerSecond: options.ratePerSecond, qos }, 'telemetry sim started');
    },
    async stop() {
      if (timer) halt();
      // Give in-flight publishes up to 5 s to finish, then end regardless.
      const deadline = performance.now() + 5_000;
      while (counts.acked + counts.failed < counts.sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await Promise.all(clients.map((c) => c.endAsync()));
      clients = [];
      resolveDone();
      log?.info({ counts }, 'telemetry sim stopped');
      return { ...counts };
    },
  };
}
