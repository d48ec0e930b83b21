/**
 * Plays a waist-worn wearable (drivers/devices/carehub-wearable.ts) on the hub's MQTT broker: replays a
 * SisFall recording's ADXL345 channel as the raw counts the chip gave (13 bit, ±16 g) in AccelBatchMessage
 * batches on care/v1/devices/<id>/accel (docs/firmware-sim.md#wearable). The recording is read from
 * wherever the data set lies (the shared data folder), never copied into the repository.
 *
 * Pace: `realTime` sends a batch every batch-length of wall time, as a worn device would; otherwise as fast
 * as the broker acknowledges, which gives the same decisions (the hub times samples by their counter, not
 * by arrival) and lets a test replay a 100 s jogging trial in a fraction of a second.
 */
import { readFile } from 'node:fs/promises';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { parseSisFall, ADXL345_G_PER_COUNT, SISFALL_SAMPLE_RATE_HZ } from '../hub/falls/sisfall.ts';
import { deviceTopic, type AccelBatchMessage } from '../protocols/mqtt-topics.ts';

export interface WearableSimOptions {
  /** e.g. mqtt://127.0.0.1:1884 */
  url: string;
  deviceId: string;
  password: string;
  logger?: Logger;
}

export interface ReplayOptions {
  /** Samples per batch (default 100: half a second at 200 Hz). */
  batchSamples?: number;
  /** Wait a batch's duration between batches (default false: as fast as acknowledged). */
  realTime?: boolean;
  /** QoS of the batches (default 1 here, so the replay ends only once the hub has read every batch; a worn device uses 0). */
  qos?: 0 | 1;
}

export interface WearableSim {
  connect(): Promise<void>;
  /** Replays a SisFall file; resolves with the number of samples and batches sent. */
  replaySisFall(path: string, options?: ReplayOptions): Promise<{ samples: number; batches: number }>;
  /** Sends raw counts (interleaved x, y, z) at `hz`, continuing the device's sample counter. */
  sendCounts(counts: Int16Array | readonly number[], hz: number, options?: ReplayOptions): Promise<{ samples: number; batches: number }>;
  close(): Promise<void>;
}

/** The ADXL345 as SisFall's waist unit runs it: ±16 g over 13 bits, so 32/8192 g per count. */
const RANGE_G = 16;
const BITS = 13;

/** A SisFall file's ADXL345 samples as the chip's counts (the file holds exactly these integers). */
export async function sisFallCounts(path: string): Promise<Int16Array> {
  const trace = parseSisFall(await readFile(path, 'utf8'));
  const counts = new Int16Array(trace.adxl.length);
  for (let i = 0; i < counts.length; i++) counts[i] = Math.round(trace.adxl[i]! / ADXL345_G_PER_COUNT);
  return counts;
}

export function createWearableSim(options: WearableSimOptions): WearableSim {
  const log = options.logger?.child({ module: 'wearable-sim', deviceId: options.deviceId });
  let client: MqttClient | null = null;
  /** the device's sample counter: number of the next sample it sends */
  let next = 0;

  async function sendCounts(counts: Int16Array | readonly number[], hz: number, replay: ReplayOptions = {}) {
    if (!client) throw new Error(`${options.deviceId} is not connected`);
    const per = replay.batchSamples ?? 100;
    const total = Math.floor(counts.length / 3);
    let batches = 0;
    for (let i = 0; i < total; i += per) {
      const end = Math.min(total, i + per);
      const message: AccelBatchMessage = { n: next, hz, range: RANGE_G, bits: BITS, xyz: Array.from(counts.slice(3 * i, 3 * end)) };
      await client.publishAsync(deviceTopic(options.deviceId, 'accel'), JSON.stringify(message), { qos: replay.qos ?? 1, retain: false });
      next += end - i;
      batches++;
      if (replay.realTime) await new Promise((resolve) => setTimeout(resolve, ((end - i) / hz) * 1000));
    }
    log?.debug({ samples: total, batches }, 'accelerometer samples sent');
    return { samples: total, batches };
  }

  return {
    async connect() {
      if (client) return;
      client = await connectAsync(options.url, {
        protocolVersion: 4, // the hub's broker is aedes: MQTT 3.1.1 only (docs/architecture.md#toolchain-notes)
        clientId: options.deviceId,
        username: options.deviceId,
        password: options.password,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      });
      // mqtt.js emits 'error' on later protocol errors; an unhandled one would crash the sim.
      client.on('error', (err) => log?.warn({ err }, 'mqtt client error'));
    },
    async replaySisFall(path, replay) {
      return sendCounts(await sisFallCounts(path), SISFALL_SAMPLE_RATE_HZ, replay);
    },
    sendCounts,
    async close() {
      const open = client;
      client = null;
      await open?.endAsync();
    },
  };
}
