/**
 * The hub's MQTT broker (aedes, MQTT 3.1.1). Every client authenticates as a
 * configured device; a device may publish and subscribe only under its own topic
 * subtree. Device messages are handled inside authorizePublish, which aedes runs
 * before it sends PUBACK: a QoS 1 call is on disk before the device hears "ok".
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { CallMessage, isOwnTopic, parseDeviceTopic, parseJsonPayload, TelemetryMessage } from '../protocols/mqtt-topics.ts';
import { VITAL_METRICS } from '../protocols/vitals.ts';
import type { DeviceDirectory } from './devices.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { MqttPacketGuard } from './mqtt-packet-guard.ts';
import type { Pipeline } from './pipeline.ts';
import { matchesSha256 } from './secrets.ts';

export interface HubBrokerOptions {
  host: string;
  port: number;
  /** Largest MQTT packet accepted; larger ones cut the connection before aedes buffers them. */
  maxPacketBytes: number;
  maxConnections: number;
  devices: DeviceDirectory;
  pipeline: Pipeline;
  logger: Logger;
  metrics: Metrics;
}

export class HubBroker {
  private broker: Aedes | null = null;
  private server: Server | null = null;
  /** open TCP connections, so stop() can end those that never sent CONNECT */
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: HubBrokerOptions) {}

  async start(): Promise<{ port: number }> {
    const { logger, metrics } = this.options;
    this.broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => {
        this.handlePublish(client, packet).then(
          () => done(null),
          (err: Error) => done(err),
        );
      },
      authorizeSubscribe: (client, sub, done) => {
        if (isOwnTopic(client.id, sub.topic)) return done(null, sub);
        metrics.inc('mqtt_refused_total', { reason: 'subscribe-topic' });
        done(new Error(`subscription to ${sub.topic} not allowed`));
      },
    });
    this.broker.on('clientError', (client, err) => logger.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
    metrics.define('mqtt_clients', 'gauge', 'Connected MQTT clients', () => this.broker?.connectedClients ?? 0);
    // aedes emits 'error' on itself (e.g. a failed will cleanup); its typings omit the event.
    (this.broker as unknown as NodeJS.EventEmitter).on('error', (err: Error) => logger.error({ err }, 'mqtt broker error'));
    const broker = this.broker;
    this.server = createServer((socket) => this.accept(socket, broker));
    this.server.maxConnections = this.options.maxConnections;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, () => {
        this.server!.off('error', reject);
        // After listen, errors (e.g. EMFILE on accept) are logged, never thrown.
        this.server!.on('error', (err) => logger.error({ err }, 'mqtt listener error'));
        resolve();
      });
    });
    const port = (this.server.address() as AddressInfo).port;
    logger.info({ port }, 'mqtt broker listening');
    return { port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    const broker = this.broker;
    this.server = null;
    this.broker = null;
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // broker.close() ends registered clients only; a socket that never sent CONNECT would hold close() for 30 s.
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
  }

  private accept(socket: Socket, broker: Aedes): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const guard = new MqttPacketGuard(this.options.maxPacketBytes);
    // aedes reads on 'readable'; a 'data' listener then sees each chunk as aedes reads it, without changing the flow.
    socket.on('data', (chunk: Buffer) => {
      const problem = guard.push(chunk);
      if (!problem) return;
      this.options.metrics.inc('mqtt_refused_total', { reason: 'packet-size' });
      this.options.logger.warn({ remote: socket.remoteAddress, problem }, 'mqtt connection cut');
      socket.destroy();
    });
    broker.handle(socket);
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const device = username ? this.options.devices.byId(username) : undefined;
    const ok = !!device?.mqtt && !!password && matchesSha256(password, device.mqtt.passwordSha256) && client.id === username;
    if (ok) return done(null, true);
    this.options.metrics.inc('mqtt_refused_total', { reason: 'auth' });
    this.options.logger.warn({ clientId: client.id, username }, 'mqtt login refused');
    const err = new Error('bad username or password') as AuthenticateError;
    err.returnCode = 4; // [MQTT-3.2.2.3] 0x04 bad user name or password
    done(err, false);
  }

  private async handlePublish(client: Client | null, packet: PublishPacket): Promise<void> {
    if (!client) return; // the broker's own messages ($SYS)
    const { pipeline, devices } = this.options;
    const topic = parseDeviceTopic(packet.topic);
    if (!topic || topic.deviceId !== client.id) {
      this.options.metrics.inc('mqtt_refused_total', { reason: 'publish-topic' });
      this.options.logger.warn({ clientId: client.id, topic: packet.topic }, 'publish outside own topics refused');
      throw new Error(`publish to ${packet.topic} not allowed`); // MQTT 3.1.1 has no NACK: aedes drops the client
    }
    const device = devices.byId(topic.deviceId)!;
    const payload = packet.payload as Buffer;
    if (topic.channel === 'call') {
      // A retained call is old news replayed by the broker, never a live press.
      if (packet.retain) return pipeline.reject('mqtt', 'retained', { deviceId: device.id });
      const parsed = parseJsonPayload(CallMessage, payload);
      if (!parsed.ok) return pipeline.reject('mqtt', 'bad-payload', { deviceId: device.id, error: parsed.message });
      const msg = parsed.value;
      await pipeline.callPoint(device, {
        event: msg.event,
        deviceSeq: msg.seq,
        battery: msg.battery ?? null,
        via: 'mqtt',
        ...(msg.time && { deviceTime: msg.time }),
      });
      return;
    }
    const parsed = parseJsonPayload(TelemetryMessage, payload);
    if (!parsed.ok) return pipeline.reject('mqtt', 'bad-payload', { deviceId: device.id, error: parsed.message });
    const msg = parsed.value;
    if (msg.unit !== undefined && msg.unit !== VITAL_METRICS[msg.metric].unit) {
      return pipeline.reject('mqtt', 'bad-unit', { deviceId: device.id, unit: msg.unit, metric: msg.metric });
    }
    await pipeline.reading(device, { metric: msg.metric, value: msg.value, ...(msg.time && { deviceTime: msg.time }) });
  }
}
