/**
 * Load mode (docs/firmware-sim.md#load-mode): N residents, each with an oximeter-like stream and a
 * call button, on the hub's MQTT broker for a given time. Each resident's oximeter is the MQTT
 * device `<prefix>-<n>-oximeter` publishing TelemetryMessage (SpO2 and heart rate, `telemetryHz`
 * samples a second, as the serial stream hands on a steady value once a second:
 * docs/devices.md#serial); its button `<prefix>-<n>-button` presses (call, then cancel at the next
 * press) every `pressEveryMs`, staggered over the residents. Progress is reported every second,
 * and a summary at the end.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../drivers/clock.ts';
import { deviceTopic, type CallMessage, type TelemetryMessage } from '../protocols/mqtt-topics.ts';
import { VITAL_METRICS } from '../protocols/vitals.ts';
import { every } from './ticker.ts';

export interface LoadOptions {
  url: string;
  residents: number;
  durationMs: number;
  /** Every load device's MQTT password (the hub config lists them with its SHA-256). */
  password: string;
  /** Device id prefix (default 'load'). */
  prefix?: string;
  /** Samples a second per oximeter; each sample is two messages, SpO2 and heart rate (default 1). */
  telemetryHz?: number;
  /** ms between one button's presses (default 30 000). */
  pressEveryMs?: number;
  /** QoS of telemetry (default 0; calls are always QoS 1, as a real button's). */
  telemetryQos?: 0 | 1;
  /** Connections opened at once (default 50). */
  connectConcurrency?: number;
  clock?: Clock;
  tickMs?: number;
  progressEveryMs?: number;
  onProgress?(progress: LoadProgress): void;
  logger?: Logger;
}

export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  acked: number;
  failed: number;
  /** Messages sent per second since the last progress report. */
  perSecond: number;
}

export interface LoadSummary {
  residents: number;
  clients: number;
  elapsedMs: number;
  telemetrySent: number;
  callsSent: number;
  acked: number;
  failed: number;
  /** All messages sent, per second of the run. */
  messagesPerSecond: number;
}

export function loadDeviceIds(residents: number, prefix = 'load'): string[] {
  return Array.from({ length: residents }, (_, i) => [`${prefix}-${i + 1}-oximeter`, `${prefix}-${i + 1}-button`]).flat();
}

/** Resident n's sample k: a plausible SpO2 and pulse that wander a little (deterministic, for repeatable runs). */
export function loadSample(n: number, k: number): { spo2: number; pulse: number } {
  return { spo2: 94 + ((n + Math.floor(k / 30)) % 5), pulse: 60 + ((n * 7 + (k % 20)) % 40) };
}

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const clock = options.clock ?? systemClock;
  const prefix = options.prefix ?? 'load';
  const hz = options.telemetryHz ?? 1;
  const pressEveryMs = options.pressEveryMs ?? 30_000;
  const qos = options.telemetryQos ?? 0;
  const log = options.logger?.child({ module: 'sim-load' });
  const ids = loadDeviceIds(options.residents, prefix);
  const clients: MqttClient[] = [];
  const counts = { telemetry: 0, calls: 0, acked: 0, failed: 0 };
  const sent = () => counts.telemetry + counts.calls;

  const concurrency = options.connectConcurrency ?? 50;
  try {
    for (let i = 0; i < ids.length; i += concurrency) {
      const batch = ids.slice(i, i + concurrency);
      clients.push(
        ...(await Promise.all(
          batch.map((id) => connectAsync(options.url, { protocolVersion: 4, clientId: id, username: id, password: options.password, reconnectPeriod: 0, clean: true, connectTimeout: 10_000 })),
        )),
      );
    }
  } catch (err) {
    await Promise.allSettled(clients.map((c) => c.endAsync(true)));
    throw err;
  }
  for (const c of clients) c.on('error', (err) => log?.warn({ err }, 'mqtt client error'));

  const done = (err?: Error) => (err ? counts.failed++ : counts.acked++);
  const startedAt = clock.now();
  /** Samples sent, per resident index. */
  const samples = new Array<number>(options.residents).fill(0);
  /** Presses made, per resident index. */
  const presses = new Array<number>(options.residents).fill(0);

  function tick(): void {
    const elapsed = clock.now() - startedAt;
    for (let n = 0; n < options.residents; n++) {
      const oximeter = clients[2 * n]!;
      const button = clients[2 * n + 1]!;
      // Owed samples since the start; a stalled loop skips ahead instead of bursting (at most one second owed).
      let owed = Math.floor((elapsed * hz) / 1000) - samples[n]!;
      if (owed > hz) {
        samples[n]! += owed - Math.ceil(hz);
        owed = Math.ceil(hz);
      }
      for (let k = 0; k < owed; k++) {
        const { spo2, pulse } = loadSample(n, samples[n]!++);
        const topic = deviceTopic(ids[2 * n]!, 'telemetry');
        const messages: TelemetryMessage[] = [
          { metric: 'spo2', value: spo2, unit: VITAL_METRICS.spo2.unit },
          { metric: 'heart-rate', value: pulse, unit: VITAL_METRICS['heart-rate'].unit },
        ];
        for (const m of messages) {
          counts.telemetry++;
          oximeter.publish(topic, JSON.stringify(m), { qos }, done);
        }
      }
      // Staggered: resident n first presses at n/N of the period, so presses spread evenly.
      const firstAt = (n / options.residents) * pressEveryMs;
      const duePresses = elapsed < firstAt ? 0 : Math.floor((elapsed - firstAt) / pressEveryMs) + 1;
      while (presses[n]! < duePresses) {
        const seq = ++presses[n]!;
        const call: CallMessage = { event: seq % 2 === 1 ? 'call' : 'cancel', seq: seq & 0xffff };
        counts.calls++;
        button.publish(deviceTopic(ids[2 * n + 1]!, 'call'), JSON.stringify(call), { qos: 1, retain: false }, done);
      }
    }
  }

  let lastProgress = { at: startedAt, sent: 0 };
  const stopTick = every(clock, options.tickMs ?? 50, tick);
  const stopProgress = every(clock, options.progressEveryMs ?? 1000, () => {
    const now = clock.now();
    const perSecond = ((sent() - lastProgress.sent) * 1000) / Math.max(1, now - lastProgress.at);
    lastProgress = { at: now, sent: sent() };
    options.onProgress?.({ elapsedMs: now - startedAt, sent: sent(), acked: counts.acked, failed: counts.failed, perSecond });
  });
  await new Promise<void>((resolve) => clock.setTimeout(resolve, options.durationMs));
  stopTick();
  stopProgress();
  tick(); // what was due at the end
  const elapsedMs = clock.now() - startedAt;
  // In-flight publishes get up to 5 s (real time: the sockets are real) to finish.
  const deadline = Date.now() + 5_000;
  while (counts.acked + counts.failed < sent() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await Promise.allSettled(clients.map((c) => c.endAsync()));
  return {
    residents: options.residents,
    clients: clients.length,
    elapsedMs,
    telemetrySent: counts.telemetry,
    callsSent: counts.calls,
    acked: counts.acked,
    failed: counts.failed,
    messagesPerSecond: (sent() * 1000) / Math.max(1, elapsedMs),
  };
}
