/**
 * The zigbee2mqtt transport (docs/zigbee2mqtt.md), both ways installers run it:
 * - zigbee2mqtt logs in to the hub's own broker with the bridge credential; the broker hands each of
 *   its publishes here (`handle(..., retained: false)`: the hub's broker stores nothing, so whatever
 *   arrives is live);
 * - or the hub subscribes to `<baseTopic>/#` on a broker zigbee2mqtt already uses (`zigbee2mqtt.url`);
 *   a retained message there is one the broker replayed at subscribe time: never a live press.
 * Each state payload goes through the device's model to the one pipeline entry.
 */
import type { MqttClient } from 'mqtt';
import { InputRejected, type Zigbee2mqttDeviceDefinition } from '../../drivers/device-definition.ts';
import { decodeZigbee2mqttAvailability, parseZigbee2mqttTopic } from '../../protocols/zigbee2mqtt/index.ts';
import type { Clock } from '../clock.ts';
import type { HubConfig } from '../config.ts';
import type { DeviceDirectory } from '../devices.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Pipeline } from '../pipeline.ts';
import { urlForLog } from '../logger.ts';

export interface Zigbee2mqttTransportOptions {
  config: HubConfig['zigbee2mqtt'];
  hubId: string;
  devices: DeviceDirectory;
  pipeline: Pipeline;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

export class Zigbee2mqttTransport {
  private client: MqttClient | null = null;
  /** last press number given, keyed by device id */
  private readonly seqs = new Map<string, number>();
  private bridgeOnline: boolean | null = null;
  private readonly log: Logger;

  constructor(private readonly options: Zigbee2mqttTransportOptions) {
    this.log = options.logger.child({ module: 'zigbee2mqtt' });
  }

  get baseTopic(): string {
    return this.options.config.baseTopic;
  }

  /** Subscribes to the external broker when one is configured; resolves once the first attempt is made. */
  async start(): Promise<void> {
    this.options.metrics.define('zigbee2mqtt_bridge_online', 'gauge', 'zigbee2mqtt bridge state as it last reported it: 1 online, 0 offline or never heard', () =>
      this.bridgeOnline ? 1 : 0,
    );
    const { url, username, password } = this.options.config;
    if (!url) return;
    // Loaded only for an external broker: mqtt.js adds ~15 MiB RSS to a hub that never uses it (docs/benchmarks.md#memory-hub-rss-with-1000-devices-npm-run-benchmemory).
    const { default: mqtt } = await import('mqtt');
    const client = mqtt.connect(url, {
      clientId: `carehub-${this.options.hubId}-z2m`,
      ...(username !== undefined && { username }),
      ...(password !== undefined && { password }),
      reconnectPeriod: 5000,
      connectTimeout: 10_000,
    });
    this.client = client;
    client.on('connect', () => {
      this.log.info({ url: urlForLog(url) }, 'zigbee2mqtt broker connected');
      client.subscribe(`${this.baseTopic}/#`, { qos: 1 }, (err) => {
        if (err) this.log.error({ err }, 'zigbee2mqtt subscribe failed');
      });
    });
    client.on('error', (err) => this.log.warn({ err: err.message, url: urlForLog(url) }, 'zigbee2mqtt broker error'));
    client.on('message', (topic, payload, packet) => {
      this.handle(topic, payload, packet.retain).catch((err: unknown) => this.log.error({ err, topic }, 'zigbee2mqtt message could not be stored'));
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(true);
  }

  /** One message under the base topic. Resolves once its inputs are stored (the broker's PUBACK waits for it). */
  async handle(topic: string, payload: Uint8Array, retained: boolean): Promise<void> {
    const { devices, pipeline } = this.options;
    const parsed = parseZigbee2mqttTopic(this.baseTopic, topic);
    if (parsed.kind === 'bridge') return this.bridgeMessage(topic, payload);
    if (parsed.kind !== 'state' && parsed.kind !== 'availability') return;
    const device = devices.byFriendlyName(parsed.friendlyName);
    if (!device) return pipeline.reject('zigbee2mqtt', 'unknown-device', { friendlyName: parsed.friendlyName });
    if (parsed.kind === 'availability') {
      let state;
      try {
        state = decodeZigbee2mqttAvailability(payload);
      } catch (err) {
        return pipeline.reject('zigbee2mqtt', (err as { code: string }).code, { deviceId: device.id, error: (err as Error).message });
      }
      await pipeline.ingest(device, { kind: 'status', status: state }, 'zigbee2mqtt');
      return;
    }
    const model = devices.modelOf(device) as Zigbee2mqttDeviceDefinition;
    let inputs;
    try {
      inputs = model.convert(payload, { role: device.zigbee2mqtt!.role, retained, nextSeq: () => this.nextSeq(device.id) });
    } catch (err) {
      if (!(err instanceof InputRejected)) throw err;
      return pipeline.reject('zigbee2mqtt', err.code, { deviceId: device.id, error: err.message });
    }
    for (const input of inputs) await pipeline.ingest(device, input, 'zigbee2mqtt');
  }

  /**
   * zigbee2mqtt actions carry no sequence number, so the hub numbers each press. The count starts at
   * the clock's seconds: after a restart the numbers run on from above those of the last minute, so
   * the pipeline's de-duplication never takes a new press for an old one.
   */
  private nextSeq(deviceId: string): number {
    const next = ((this.seqs.get(deviceId) ?? Math.floor(this.options.clock.now() / 1000)) + 1) % 65536;
    this.seqs.set(deviceId, next);
    return next;
  }

  private bridgeMessage(topic: string, payload: Uint8Array): void {
    if (topic !== `${this.baseTopic}/bridge/state`) return;
    let state: string;
    try {
      state = decodeZigbee2mqttAvailability(payload);
    } catch {
      return;
    }
    const online = state === 'online';
    if (online === this.bridgeOnline) return;
    this.bridgeOnline = online;
    // The bridge going offline silences every zigbee button at once: say it loudly.
    if (online) this.log.info('zigbee2mqtt bridge online');
    else this.log.warn('zigbee2mqtt bridge offline: zigbee call buttons cannot reach the hub');
  }
}
