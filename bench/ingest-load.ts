/**
 * Closed-loop QoS 1 load for bench/ingest.ts: N mqtt.js clients, one per device, each keeping at
 * most `inflight` telemetry PUBLISHes unacknowledged and sending the next as soon as a PUBACK
 * comes back. A closed loop measures what the server can take: an open-loop generator at a fixed
 * rate (firmware-sim/telemetry-sim.ts) measures only whether it keeps up with that rate.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { deviceTopic } from '../protocols/mqtt-topics.ts';

/** The bench's device ids and passwords; the hub under test is configured with the same ones. */
export const deviceId = (i: number) => `vm-${i + 1}`;
export const devicePassword = (i: number) => `pw-${i + 1}`;

/** One reading, as a vitals monitor sends it (docs/mqtt-topics.md, telemetry channel). */
const PAYLOAD = Buffer.from(JSON.stringify({ metric: 'heart-rate', value: 72 }));

/** How long stop waits for the last PUBACKs before it gives up on them. */
const DRAIN_LIMIT_MS = 10_000;

export interface IngestLoadOptions {
  url: string;
  devices: number;
  /** PUBLISHes each client keeps unacknowledged at most */
  inflight: number;
}

export interface IngestLoadResult {
  /** PUBACKs received inside the measured window */
  ackedInWindow: number;
  windowMs: number;
  /** PUBACKs received in all, the window and the drain after it */
  ackedTotal: number;
  /** publishes that completed with an error (e.g. the connection closed) */
  failed: number;
  /** publishes still unacknowledged when the drain gave up */
  unacked: number;
  /** publish() → PUBACK callback, ms, for each PUBACK inside the window */
  latenciesMs: number[];
}

export interface IngestLoad {
  /** Connects every device (the connections are not part of the measured window). */
  connect(): Promise<void>;
  /** Publishes for `seconds`, then waits (bounded) for the PUBACKs still due. */
  run(seconds: number): Promise<IngestLoadResult>;
  close(): Promise<void>;
}

export function createIngestLoad(options: IngestLoadOptions): IngestLoad {
  let clients: MqttClient[] = [];

  return {
    async connect() {
      clients = await Promise.all(
        Array.from({ length: options.devices }, (_, i) =>
          // aedes speaks MQTT 3.1.1 only (protocol 4); no reconnect, so a dropped client shows as failures.
          connectAsync(options.url, {
            protocolVersion: 4,
            clientId: deviceId(i),
            username: deviceId(i),
            password: devicePassword(i),
            reconnectPeriod: 0,
            clean: true,
          }),
        ),
      );
    },

    async run(seconds) {
      const result: IngestLoadResult = { ackedInWindow: 0, windowMs: seconds * 1000, ackedTotal: 0, failed: 0, unacked: 0, latenciesMs: [] };
      let outstanding = 0;
      const startedAt = performance.now();
      const endsAt = startedAt + seconds * 1000;

      function publishNext(client: MqttClient, topic: string): void {
        if (performance.now() >= endsAt) return;
        const sentAt = performance.now();
        outstanding++;
        client.publish(topic, PAYLOAD, { qos: 1 }, function onPuback(err) {
          outstanding--;
          const now = performance.now();
          if (err) {
            // This loop ends here: retrying on a broken connection would only spin.
            result.failed++;
            return;
          }
          result.ackedTotal++;
          if (now <= endsAt) {
            result.ackedInWindow++;
            result.latenciesMs.push(now - sentAt);
          }
          publishNext(client, topic);
        });
      }

      clients.forEach((client, i) => {
        const topic = deviceTopic(deviceId(i), 'telemetry');
        for (let k = 0; k < options.inflight; k++) publishNext(client, topic);
      });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, endsAt - performance.now())));
      const drainUntil = performance.now() + DRAIN_LIMIT_MS;
      while (outstanding > 0 && performance.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 5));
      result.unacked = outstanding;
      return result;
    },

    async close() {
      await Promise.all(clients.map((client) => client.endAsync(true)));
      clients = [];
    },
  };
}
