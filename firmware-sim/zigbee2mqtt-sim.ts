/**
 * Plays a zigbee2mqtt bridge and its devices (docs/zigbee2mqtt.md, docs/firmware-sim.md#zigbee2mqtt):
 * publishes the stock JSON on `<base>/<friendly_name>` (action, battery, linkquality, occupancy,
 * contact, water_leak) and the availability topic, through an MQTT broker with mqtt.js.
 *
 * As stock zigbee2mqtt does: a state message carries the device's whole last-known state (it
 * caches attributes and republishes them with each change), an action is followed at once by the
 * same state with `"action": ""` (1.x, and 2.x with the legacy action sensor), and availability is
 * retained, `online`/`offline` (1.x) or `{"state":"online"}` (2.x).
 */
import { connectAsync, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

export interface Zigbee2mqttSimOptions {
  /** e.g. mqtt://127.0.0.1:1883 */
  url: string;
  /** zigbee2mqtt's `mqtt.base_topic` (default 'zigbee2mqtt'). */
  baseTopic?: string;
  username?: string;
  password?: string;
  /** Default 'zigbee2mqtt-sim'. */
  clientId?: string;
  /** Availability payload style: 'legacy' (1.x plain text, default) or 'json' (2.x). */
  availability?: 'legacy' | 'json';
  /** Publish `"action": ""` after each action (default true, as stock zigbee2mqtt). */
  resetAction?: boolean;
  logger?: Logger;
}

/** The fields of one device's state this sim publishes; others pass through as given. */
export interface Zigbee2mqttState {
  action?: string;
  battery?: number;
  linkquality?: number;
  occupancy?: boolean;
  contact?: boolean;
  water_leak?: boolean;
  [key: string]: unknown;
}

export interface Zigbee2mqttSim {
  connect(): Promise<void>;
  /** Merges `changes` into the device's state and publishes the whole state (QoS 0, not retained). */
  update(friendlyName: string, changes: Zigbee2mqttState): Promise<void>;
  /** A button press: the action, then (by default) the action reset to ''. */
  action(friendlyName: string, action: string): Promise<void>;
  /** Retained availability, as zigbee2mqtt's availability feature publishes it. */
  availability(friendlyName: string, online: boolean): Promise<void>;
  close(): Promise<void>;
  /** Messages published, in order. */
  readonly published: number;
}

export class Zigbee2mqttSimError extends Error {
  override readonly name = 'Zigbee2mqttSimError';
  constructor(
    readonly code: 'not-connected' | 'connect-failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function createZigbee2mqttSim(options: Zigbee2mqttSimOptions): Zigbee2mqttSim {
  const base = options.baseTopic ?? 'zigbee2mqtt';
  const log = options.logger?.child({ module: 'zigbee2mqtt-sim', baseTopic: base });
  /** Last published state keyed by friendly name. */
  const states = new Map<string, Zigbee2mqttState>();
  let client: MqttClient | null = null;
  let published = 0;

  async function publish(topic: string, payload: string, retain: boolean): Promise<void> {
    if (!client) throw new Zigbee2mqttSimError('not-connected', `zigbee2mqtt sim is not connected to ${options.url}`);
    await client.publishAsync(topic, payload, { qos: 0, retain });
    published++;
    log?.debug({ topic, payload }, 'published');
  }

  async function update(friendlyName: string, changes: Zigbee2mqttState): Promise<void> {
    const state = { ...states.get(friendlyName), ...changes };
    states.set(friendlyName, state);
    await publish(`${base}/${friendlyName}`, JSON.stringify(state), false);
  }

  return {
    get published() {
      return published;
    },
    async connect() {
      if (client) return;
      try {
        client = await connectAsync(options.url, {
          protocolVersion: 4, // the hub's broker is aedes: MQTT 3.1.1 only
          clientId: options.clientId ?? 'zigbee2mqtt-sim',
          ...(options.username !== undefined && { username: options.username }),
          ...(options.password !== undefined && { password: options.password }),
          clean: true,
          reconnectPeriod: 0,
          connectTimeout: 5_000,
        });
      } catch (err) {
        throw new Zigbee2mqttSimError('connect-failed', `zigbee2mqtt sim cannot connect to ${options.url}: ${(err as Error).message}`, { cause: err });
      }
      // mqtt.js emits 'error' on later protocol errors; an unhandled one would crash the sim.
      client.on('error', (err) => log?.warn({ err }, 'mqtt client error'));
    },
    update,
    async action(friendlyName, action) {
      await update(friendlyName, { action });
      if (options.resetAction ?? true) await update(friendlyName, { action: '' });
    },
    async availability(friendlyName, online) {
      const state = online ? 'online' : 'offline';
      await publish(`${base}/${friendlyName}/availability`, options.availability === 'json' ? JSON.stringify({ state }) : state, true);
    },
    async close() {
      const open = client;
      client = null;
      await open?.endAsync();
    },
  };
}
