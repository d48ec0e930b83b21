/**
 * Plays a call button that speaks MQTT to the hub's broker: authenticates as its device id and
 * publishes CallMessage JSON to care/v1/devices/<id>/call at QoS 1, never retained (a retained
 * call would be replayed to every new subscriber: docs/mqtt-topics.md refuses retained calls).
 */
import { connectAsync, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { CallPointEvent } from '../protocols/call-frame.ts';
import { deviceTopic, type CallMessage } from '../protocols/mqtt-topics.ts';

export interface MqttCallPointSimOptions {
  /** e.g. mqtt://127.0.0.1:1883 */
  url: string;
  deviceId: string;
  password: string;
  /** Defaults to the device id. */
  clientId?: string;
  /** ms between reconnect attempts; 0 (default) disables them, so a test sees a lost broker at once. */
  reconnectPeriodMs?: number;
  logger?: Logger;
}

export interface MqttPressOptions {
  battery?: number;
  /** Device time; omitted by default, as most buttons have no clock. */
  time?: string;
  /** Force a sequence number (a duplicate); the counter is not advanced. */
  seq?: number;
}

export interface MqttCallPointSim {
  readonly deviceId: string;
  connect(): Promise<void>;
  /** Resolves once the broker acknowledged the message (PUBACK). */
  press(event: CallPointEvent, options?: MqttPressOptions): Promise<CallMessage>;
  close(): Promise<void>;
}

export class MqttSimError extends Error {
  override readonly name = 'MqttSimError';
  constructor(
    readonly code: 'not-connected' | 'connect-failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function createMqttCallPointSim(options: MqttCallPointSimOptions): MqttCallPointSim {
  const log = options.logger?.child({ module: 'mqtt-call-point-sim', deviceId: options.deviceId });
  let client: MqttClient | null = null;
  let seq = 0;

  return {
    deviceId: options.deviceId,
    async connect() {
      if (client) return;
      try {
        client = await connectAsync(options.url, {
          protocolVersion: 4, // the hub's broker is aedes: MQTT 3.1.1 only (docs/architecture.md#toolchain-notes)
          clientId: options.clientId ?? options.deviceId,
          username: options.deviceId,
          password: options.password,
          clean: true,
          reconnectPeriod: options.reconnectPeriodMs ?? 0,
          connectTimeout: 5_000,
        });
      } catch (err) {
        throw new MqttSimError('connect-failed', `${options.deviceId} cannot connect to ${options.url}: ${(err as Error).message}`, { cause: err });
      }
      // mqtt.js emits 'error' on later protocol errors; an unhandled one would crash the sim.
      client.on('error', (err) => log?.warn({ err }, 'mqtt client error'));
    },
    async press(event, pressOptions = {}) {
      if (!client) throw new MqttSimError('not-connected', `${options.deviceId} is not connected`);
      let messageSeq = pressOptions.seq;
      if (messageSeq === undefined) {
        seq = (seq + 1) & 0xffff;
        messageSeq = seq;
      }
      const message: CallMessage = { event, seq: messageSeq };
      if (pressOptions.battery !== undefined) message.battery = pressOptions.battery;
      if (pressOptions.time !== undefined) message.time = pressOptions.time;
      await client.publishAsync(deviceTopic(options.deviceId, 'call'), JSON.stringify(message), { qos: 1, retain: false });
      log?.debug({ message }, 'call published');
      return message;
    },
    async close() {
      const open = client;
      client = null;
      await open?.endAsync();
    },
  };
}
