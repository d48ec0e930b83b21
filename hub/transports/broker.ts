/**
 * The hub's MQTT broker (aedes, MQTT 3.1.1). Every client authenticates as a
 * configured device; a device may publish and subscribe only under its own topic
 * subtree. Device messages are handled inside authorizePublish, which aedes runs
 * before it sends PUBACK: a QoS 1 call is on disk before the device hears "ok".
 *
 * Connection slots (docs/mqtt-topics.md, "Connection limits"): a socket that has not
 * authenticated yet is *pending* and has its own budget (`maxPendingConnections`, at
 * most `maxPendingPerAddress` from one address, `connectTimeoutMs` to authenticate);
 * authenticated devices count against `maxConnections`. Pending sockets can therefore
 * never take a device's slot, and one host cannot hold the pending budget.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { InputRejected, type MqttDeviceDefinition } from '../../drivers/device-definition.ts';
import { isOwnTopic, parseDeviceTopic } from '../../protocols/mqtt-topics.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { DeviceDirectory } from '../devices.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Pipeline } from '../pipeline.ts';
import { matchesSha256 } from '../secrets.ts';
import { MqttPacketGuard } from './mqtt-packet-guard.ts';

export interface HubBrokerOptions {
  host: string;
  port: number;
  /** Largest MQTT packet accepted; larger ones cut the connection before aedes buffers them. */
  maxPacketBytes: number;
  /** Authenticated device connections at once. */
  maxConnections: number;
  /** Connections not yet authenticated, all addresses together; when full the oldest is closed. */
  maxPendingConnections: number;
  /** Connections not yet authenticated from one remote address; more are refused. */
  maxPendingPerAddress: number;
  /** Time a connection has to send CONNECT and authenticate. */
  connectTimeoutMs: number;
  /** For the login timeout and the refusal log's rate limit; the system clock when absent. */
  clock?: Clock;
  devices: DeviceDirectory;
  pipeline: Pipeline;
  logger: Logger;
  metrics: Metrics;
  /** A zigbee2mqtt that logs in here (docs/zigbee2mqtt.md): its credential, its topics, and who takes its messages. */
  bridge?: BridgeOptions;
}

export interface BridgeOptions {
  username: string;
  passwordSha256: string;
  baseTopic: string;
  /** Resolves once the message's inputs are stored: the bridge's PUBACK waits for it. */
  onPublish(topic: string, payload: Uint8Array): Promise<void>;
}

/** A refusal of the same reason is logged at most once per this interval; the metric counts every one. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

const REFUSED_HELP =
  'MQTT connections, logins, publishes and subscriptions the broker refused, by reason: auth (bad credentials), ' +
  'publish-topic and subscribe-topic (outside the device\'s own topics), packet-size (packet over maxPacketBytes), ' +
  'connect-timeout (no CONNECT and login within connectTimeoutMs), pending-per-address (over maxPendingPerAddress ' +
  'unauthenticated connections from one address), pending-evicted (oldest unauthenticated connection closed because ' +
  'maxPendingConnections were open), connections-full (a device login while maxConnections devices were connected)';

type RefusalReason =
  | 'auth'
  | 'publish-topic'
  | 'subscribe-topic'
  | 'packet-size'
  | 'connect-timeout'
  | 'pending-per-address'
  | 'pending-evicted'
  | 'connections-full';

interface PendingSocket {
  address: string;
  /** the login timeout, a Clock handle */
  timer: unknown;
}

export class HubBroker {
  private broker: Aedes | null = null;
  private server: Server | null = null;
  /** open TCP connections, so stop() can end those that never sent CONNECT */
  private readonly sockets = new Set<Socket>();
  /** sockets that have not authenticated yet, keyed by socket; a Map iterates oldest first */
  private readonly pending = new Map<Socket, PendingSocket>();
  /** number of pending sockets, keyed by remote address */
  private readonly pendingByAddress = new Map<string, number>();
  /** authenticated sockets, keyed by socket, valued by device id */
  private readonly devicesConnected = new Map<Socket, string>();
  /** when a refusal reason was last logged and how many went unlogged since, keyed by reason */
  private readonly refusalLog = new Map<RefusalReason, { at: number; suppressed: number }>();
  /** logged-in zigbee2mqtt bridges */
  private readonly bridges = new WeakSet<Client>();

  private readonly clock: Clock;

  constructor(private readonly options: HubBrokerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async start(): Promise<{ port: number }> {
    const { logger, metrics } = this.options;
    metrics.define('mqtt_refused_total', 'counter', REFUSED_HELP);
    metrics.define(
      'mqtt_retain_cleared_total',
      'counter',
      'PUBLISH packets (and wills) whose retain flag the broker cleared, so no retained message is stored or replayed',
    );
    metrics.define('mqtt_pending_connections', 'gauge', 'Open MQTT connections that have not authenticated yet', () => this.pending.size);
    this.broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => {
        // [MQTT-3.3.1-5] a retained PUBLISH is stored and replayed to every later subscriber. The hub stores
        // none (docs/mqtt-topics.md): aedes reads this flag after authorizePublish to decide whether to call
        // persistence.storeRetained, and again when it forwards, so clearing it here keeps it out of both.
        // Wills pass through here too when they fire.
        const retained = packet.retain;
        if (retained) {
          packet.retain = false;
          metrics.inc('mqtt_retain_cleared_total');
        }
        this.handlePublish(client, packet, retained).then(
          () => done(null),
          (err: Error) => done(err),
        );
      },
      authorizeSubscribe: (client, sub, done) => {
        if (this.bridges.has(client) ? this.isBridgeTopic(sub.topic) : isOwnTopic(client.id, sub.topic)) return done(null, sub);
        this.refused('subscribe-topic', { clientId: client.id, topic: sub.topic }, 'subscription outside own topics refused');
        // [MQTT-3.9.3] SUBACK return code 0x80 (failure): the device stays connected, so its calls still get through.
        done(null, null);
      },
    });
    this.broker.on('clientError', (client, err) => logger.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
    metrics.define('mqtt_clients', 'gauge', 'Connected MQTT clients', () => this.broker?.connectedClients ?? 0);
    // aedes emits 'error' on itself (e.g. a failed will cleanup); its typings omit the event.
    (this.broker as unknown as NodeJS.EventEmitter).on('error', (err: Error) => logger.error({ err }, 'mqtt broker error'));
    const broker = this.broker;
    // No server.maxConnections: one shared cap is what let idle sockets lock devices out. accept() keeps
    // pending and authenticated connections in separate budgets instead.
    this.server = createServer((socket) => this.accept(socket, broker));
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
    const { maxPendingPerAddress, maxPendingConnections, connectTimeoutMs } = this.options;
    const address = socket.remoteAddress ?? 'unknown';
    if ((this.pendingByAddress.get(address) ?? 0) >= maxPendingPerAddress) {
      this.refused('pending-per-address', { remote: address }, 'mqtt connection refused: too many unauthenticated from this address');
      socket.destroy();
      return;
    }
    if (this.pending.size >= maxPendingConnections) {
      // Closing the oldest, not refusing the newest: a device's CONNECT follows its TCP handshake within a
      // round trip, so an attacker spread over many addresses must open maxPendingConnections sockets in
      // that time to push a device out, instead of just holding them open.
      const [oldest] = this.pending.keys();
      this.closePending(oldest!, 'pending-evicted', 'unauthenticated mqtt connection closed to make room');
    }
    this.sockets.add(socket);
    const timer = this.clock.setTimeout(
      () => this.closePending(socket, 'connect-timeout', 'mqtt connection closed: no login in time'),
      connectTimeoutMs,
    );
    this.pending.set(socket, { address, timer });
    this.pendingByAddress.set(address, (this.pendingByAddress.get(address) ?? 0) + 1);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.leavePending(socket);
      this.devicesConnected.delete(socket);
    });
    const guard = new MqttPacketGuard(this.options.maxPacketBytes);
    // aedes reads on 'readable'; a 'data' listener then sees each chunk as aedes reads it, without changing the flow.
    socket.on('data', (chunk: Buffer) => {
      const problem = guard.push(chunk);
      if (!problem) return;
      this.refused('packet-size', { remote: address, problem }, 'mqtt connection cut');
      socket.destroy();
    });
    broker.handle(socket);
  }

  /** Takes a socket out of the pending budget (it authenticated or closed); idempotent. */
  private leavePending(socket: Socket): void {
    const entry = this.pending.get(socket);
    if (!entry) return;
    this.clock.clearTimeout(entry.timer);
    this.pending.delete(socket);
    const left = this.pendingByAddress.get(entry.address)! - 1;
    if (left > 0) this.pendingByAddress.set(entry.address, left);
    else this.pendingByAddress.delete(entry.address);
  }

  private closePending(socket: Socket, reason: RefusalReason, message: string): void {
    // Leave the budget now: 'close' comes a tick later, and accept() counts on the slot being free.
    const address = this.pending.get(socket)?.address;
    this.leavePending(socket);
    this.refused(reason, { remote: address }, message);
    socket.destroy();
  }

  /** Counts every refusal; logs one per reason per REFUSAL_LOG_INTERVAL_MS, so a flood cannot flood the log. */
  private refused(reason: RefusalReason, fields: Record<string, unknown>, message: string): void {
    this.options.metrics.inc('mqtt_refused_total', { reason });
    const now = this.clock.now();
    const last = this.refusalLog.get(reason);
    if (last && now - last.at < REFUSAL_LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    this.refusalLog.set(reason, { at: now, suppressed: 0 });
    this.options.logger.warn({ ...fields, reason, suppressedBefore: last?.suppressed ?? 0 }, message);
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const bridge = this.options.bridge;
    const isBridge = !!bridge && username === bridge.username;
    const device = username && !isBridge ? this.options.devices.byId(username) : undefined;
    const ok = isBridge
      ? !!password && matchesSha256(password, bridge.passwordSha256)
      : !!device?.mqtt && !!password && matchesSha256(password, device.mqtt.passwordSha256) && client.id === username;
    if (!ok) {
      this.refused('auth', { clientId: client.id, username }, 'mqtt login refused');
      const err = new Error('bad username or password') as AuthenticateError;
      err.returnCode = 4; // [MQTT-3.2.2.3] 0x04 bad user name or password
      return done(err, false);
    }
    const socket = client.conn as Socket;
    // A device logging in again while its old connection lingers takes it over (aedes closes the old one),
    // so it needs no new slot. Scanning is fine: this runs only when every slot is taken.
    const takeover = [...this.devicesConnected.values()].includes(client.id);
    if (this.devicesConnected.size >= this.options.maxConnections && !takeover) {
      this.refused('connections-full', { clientId: client.id }, 'mqtt login refused: maxConnections devices connected');
      const err = new Error('server unavailable') as AuthenticateError;
      err.returnCode = 3; // [MQTT-3.2.2.3] 0x03 server unavailable
      return done(err, false);
    }
    this.leavePending(socket);
    this.devicesConnected.set(socket, client.id);
    if (isBridge) this.bridges.add(client);
    done(null, true);
  }

  /** A topic or filter under the bridge's base topic. */
  private isBridgeTopic(topic: string): boolean {
    const base = this.options.bridge!.baseTopic;
    return topic === base || topic.startsWith(`${base}/`);
  }

  private async handlePublish(client: Client | null, packet: PublishPacket, retained: boolean): Promise<void> {
    if (!client) return; // the broker's own messages ($SYS) and the wills of clients already gone
    if (this.bridges.has(client)) {
      // zigbee2mqtt also publishes Home Assistant discovery and the like: outside its base topic it is
      // let through and ignored (no one may subscribe there), since dropping the bridge would silence every button.
      if (this.isBridgeTopic(packet.topic)) await this.options.bridge!.onPublish(packet.topic, packet.payload as Buffer);
      return;
    }
    const { pipeline, devices } = this.options;
    const topic = parseDeviceTopic(packet.topic);
    if (!topic || topic.deviceId !== client.id) {
      this.refused('publish-topic', { clientId: client.id, topic: packet.topic }, 'publish outside own topics refused');
      throw new Error(`publish to ${packet.topic} not allowed`); // MQTT 3.1.1 has no NACK: aedes drops the client
    }
    // authenticate() admitted only configured devices with MQTT credentials, whose model is an MQTT model.
    const device = devices.byId(topic.deviceId)!;
    const model = devices.modelOf(device) as MqttDeviceDefinition;
    let inputs;
    try {
      inputs = model.convert(topic.channel, packet.payload as Buffer, retained);
    } catch (err) {
      if (!(err instanceof InputRejected)) throw err;
      return pipeline.reject('mqtt', err.code, { deviceId: device.id, error: err.message });
    }
    for (const input of inputs) await pipeline.ingest(device, input, 'mqtt');
  }
}
