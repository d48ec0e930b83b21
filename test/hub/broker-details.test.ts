/**
 * The hub broker's details, one HubBroker on its own (docs/mqtt-topics.md): what each message is
 * turned into, what the metrics say, and what the refusal log holds and holds back. Real aedes, real
 * mqtt.js devices on loopback; the pipeline is a recorder, so each input can be read exactly, and the
 * clock is fake, so the refusal log's rate limit is tested at its edge.
 */
import type { Test } from 'tap';
import t from 'tap';
import mqtt from 'mqtt';
import { connect as tcpConnect } from 'node:net';
import { HubBroker } from '../../hub/transports/broker.ts';
import { createDeviceDirectory } from '../../hub/devices.ts';
import { createMetrics, type Metrics } from '../../hub/metrics.ts';
import type { Pipeline } from '../../hub/pipeline.ts';
import { sha256Hex as sha } from '../../hub/secrets.ts';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger, type LogRecord } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { hubConfig } from './support.ts';

const config = hubConfig({
  receivers: [],
  devices: [
    { id: 'btn-101', roomId: 'room-101', mqtt: { passwordSha256: sha('pw-btn-101') } },
    { id: 'ox-102', roomId: 'room-102', mqtt: { passwordSha256: sha('pw-ox-102') } },
  ],
});

type Input = { kind: 'ingest'; deviceId: string; input: Record<string, unknown>; via: string } | { kind: 'reject'; via: string; code: string; detail: Record<string, unknown> };

/** A pipeline that records what the broker hands it. */
function recordingPipeline() {
  const inputs: Input[] = [];
  const pipeline = {
    async ingest(device: { id: string }, input: Record<string, unknown>, via: string) {
      inputs.push({ kind: 'ingest', deviceId: device.id, input, via });
      return null;
    },
    reject(via: string, code: string, detail: Record<string, unknown>) {
      inputs.push({ kind: 'reject', via, code, detail });
    },
  };
  return { inputs, pipeline: pipeline as unknown as Pipeline };
}

interface Rig {
  broker: HubBroker;
  port: number;
  metrics: Metrics;
  records: LogRecord[];
  inputs: Input[];
  clock: FakeClock;
}

async function startBroker(t: Test, overrides: Partial<ConstructorParameters<typeof HubBroker>[0]> = {}): Promise<Rig> {
  const { logger, records } = createTestLogger('debug');
  const metrics = createMetrics();
  const { inputs, pipeline } = recordingPipeline();
  const clock = new FakeClock(1_000_000);
  const broker = new HubBroker({
    host: '127.0.0.1',
    port: 0,
    maxPacketBytes: 4096,
    maxConnections: 10,
    maxPendingConnections: 10,
    maxPendingPerAddress: 5,
    connectTimeoutMs: 5000,
    clock,
    devices: createDeviceDirectory(config),
    pipeline,
    logger,
    metrics,
    ...overrides,
  });
  const { port } = await broker.start();
  t.teardown(() => broker.stop());
  return { broker, port, metrics, records, inputs, clock };
}

async function connect(t: Test, port: number, id: string, password = `pw-${id}`) {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: id,
    username: id,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  t.teardown(() => client.endAsync(true));
  return client;
}

/** A login that must be refused: resolves with the CONNACK's return code. */
async function refusedLogin(port: number, id: string, password: string): Promise<number | undefined> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: id, username: id, password, protocolVersion: 4, reconnectPeriod: 0 });
  try {
    return await new Promise((resolve, reject) => {
      client.once('connect', () => reject(new Error(`${id} logged in`)));
      client.once('error', (err) => resolve((err as Error & { code?: number }).code));
    });
  } finally {
    client.end(true);
  }
}

const warnings = (records: LogRecord[], msg: string) => records.filter((r) => r.level === 40 && r.msg === msg);

t.test('the broker describes each of its series, naming every refusal reason', async (t) => {
  const { metrics } = await startBroker(t);
  const text = metrics.render();
  const help = (name: string) => new RegExp(`# HELP carehub_hub_${name} (.+)\\n# TYPE carehub_hub_${name} (\\w+)`).exec(text);
  const refused = help('mqtt_refused_total');
  t.equal(refused?.[2], 'counter');
  for (const reason of ['auth', 'publish-topic', 'subscribe-topic', 'packet-size', 'connect-timeout', 'pending-per-address', 'pending-evicted', 'connections-full']) {
    t.match(refused?.[1], reason, `the refusal help explains ${reason}`);
  }
  t.equal(help('mqtt_retain_cleared_total')?.[2], 'counter');
  t.match(help('mqtt_retain_cleared_total')?.[1], /retain/);
  t.equal(help('mqtt_pending_connections')?.[2], 'gauge');
  t.match(help('mqtt_pending_connections')?.[1], /not authenticated/);
  t.equal(help('mqtt_clients')?.[2], 'gauge');
  t.match(text, /carehub_hub_mqtt_clients 0\n/, 'no client yet');
});

t.test('the broker logs where it listens and counts connected clients', async (t) => {
  const { port, metrics, records } = await startBroker(t);
  t.match(records, [{ level: 30, msg: 'mqtt broker listening', port }]);
  await connect(t, port, 'btn-101');
  t.match(metrics.render(), /carehub_hub_mqtt_clients 1\n/);
});

t.test('a call carries its sequence, battery and device time into the pipeline', async (t) => {
  const { port, inputs } = await startBroker(t);
  const client = await connect(t, port, 'btn-101');
  await client.publishAsync(deviceTopic('btn-101', 'call'), JSON.stringify({ event: 'call', seq: 7, battery: 81, time: '2026-11-24T10:00:00.000Z' }), { qos: 1 });
  await client.publishAsync(deviceTopic('btn-101', 'call'), JSON.stringify({ event: 'cancel', seq: 8 }), { qos: 1 });
  t.same(inputs, [
    { kind: 'ingest', deviceId: 'btn-101', via: 'mqtt', input: { kind: 'call-point', event: 'call', deviceSeq: 7, battery: 81, deviceTime: '2026-11-24T10:00:00.000Z' } },
    { kind: 'ingest', deviceId: 'btn-101', via: 'mqtt', input: { kind: 'call-point', event: 'cancel', deviceSeq: 8, battery: null } },
  ]);
});

t.test('a reading carries its device time when given, and its unit must be the metric\'s', async (t) => {
  const { port, inputs } = await startBroker(t);
  const client = await connect(t, port, 'ox-102');
  const topic = deviceTopic('ox-102', 'telemetry');
  await client.publishAsync(topic, JSON.stringify({ metric: 'spo2', value: 97, unit: '%', time: '2026-11-24T10:00:00.000Z' }), { qos: 1 });
  await client.publishAsync(topic, JSON.stringify({ metric: 'spo2', value: 96 }), { qos: 1 });
  await client.publishAsync(topic, JSON.stringify({ metric: 'spo2', value: 95, unit: 'mmHg' }), { qos: 1 });
  await client.publishAsync(topic, '{not json', { qos: 1 });
  t.match(inputs, [
    { kind: 'ingest', deviceId: 'ox-102', via: 'mqtt', input: { kind: 'reading', metric: 'spo2', value: 97, deviceTime: '2026-11-24T10:00:00.000Z' } },
    { kind: 'ingest', deviceId: 'ox-102', via: 'mqtt', input: { kind: 'reading', metric: 'spo2', value: 96 } },
    { kind: 'reject', via: 'mqtt', code: 'bad-unit', detail: { deviceId: 'ox-102', error: 'spo2 is in %, not mmHg' } },
    { kind: 'reject', via: 'mqtt', code: 'bad-payload', detail: { deviceId: 'ox-102', error: String } },
  ]);
  t.equal(inputs.length, 4);
  t.notOk('deviceTime' in (inputs[1] as { input: object }).input, 'no device time when the device sent none');
});

t.test('a bad call payload is rejected with the parser\'s reason', async (t) => {
  const { port, inputs } = await startBroker(t);
  const client = await connect(t, port, 'btn-101');
  await client.publishAsync(deviceTopic('btn-101', 'call'), JSON.stringify({ event: 'explode', seq: 1 }), { qos: 1 });
  t.match(inputs, [{ kind: 'reject', via: 'mqtt', code: 'bad-payload', detail: { deviceId: 'btn-101', error: /event/ } }]);
  t.equal(inputs.length, 1);
});

t.test('only retained publishes are counted as cleared', async (t) => {
  const { port, inputs, metrics } = await startBroker(t);
  const client = await connect(t, port, 'ox-102');
  const topic = deviceTopic('ox-102', 'telemetry');
  await client.publishAsync(topic, JSON.stringify({ metric: 'spo2', value: 97 }), { qos: 1 });
  t.equal(metrics.get('mqtt_retain_cleared_total'), 0, 'a plain publish clears nothing');
  await client.publishAsync(topic, JSON.stringify({ metric: 'spo2', value: 96 }), { qos: 1, retain: true });
  t.equal(metrics.get('mqtt_retain_cleared_total'), 1);
  t.equal(inputs.length, 2, 'a retained reading is still a reading');
  await client.publishAsync(deviceTopic('ox-102', 'call'), JSON.stringify({ event: 'call', seq: 1 }), { qos: 1, retain: true });
  t.match(inputs[2], { kind: 'reject', code: 'retained', detail: { deviceId: 'ox-102' } });
});

t.test('refusals are logged with what was refused', async (t) => {
  const { port, records, metrics } = await startBroker(t);
  t.equal(await refusedLogin(port, 'btn-101', 'wrong'), 4, 'bad user name or password');
  t.match(warnings(records, 'mqtt login refused'), [{ clientId: 'btn-101', username: 'btn-101', reason: 'auth', suppressedBefore: 0 }]);

  const client = await connect(t, port, 'btn-101');
  await t.rejects(client.subscribeAsync(deviceTopic('ox-102', 'telemetry'), { qos: 1 }), 'SUBACK failure');
  t.match(warnings(records, 'subscription outside own topics refused'), [
    { clientId: 'btn-101', topic: deviceTopic('ox-102', 'telemetry'), reason: 'subscribe-topic' },
  ]);
  client.publish(deviceTopic('ox-102', 'telemetry'), '{}', { qos: 1 });
  await eventually(() => warnings(records, 'publish outside own topics refused').length === 1, 'publish refusal logged');
  t.match(warnings(records, 'publish outside own topics refused'), [
    { clientId: 'btn-101', topic: deviceTopic('ox-102', 'telemetry'), reason: 'publish-topic' },
  ]);
  t.equal(metrics.get('mqtt_refused_total', { reason: 'publish-topic' }), 1);
});

t.test('a login needs the device\'s own client id, a known device and a password', async (t) => {
  const { port, metrics } = await startBroker(t);
  const attempt = (clientId: string, username: string | undefined, password: string | undefined) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      clientId,
      ...(username !== undefined && { username }),
      ...(password !== undefined && { password }),
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    return new Promise<string>((resolve) => {
      client.once('connect', () => resolve('accepted'));
      client.once('error', () => resolve('refused'));
    }).finally(() => client.end(true));
  };
  t.equal(await attempt('btn-101', 'btn-101', 'pw-btn-101'), 'accepted', 'the control: right id and password');
  t.equal(await attempt('ox-102', 'btn-101', 'pw-btn-101'), 'refused', 'another client id');
  t.equal(await attempt('ghost', 'ghost', 'pw-ghost'), 'refused', 'an unknown device');
  t.equal(await attempt('btn-101', 'btn-101', undefined), 'refused', 'no password');
  t.equal(metrics.get('mqtt_refused_total', { reason: 'auth' }), 3);
});

t.test('the refusal log holds back repeats of a reason for 10 s, then says how many it held back', async (t) => {
  const { port, records, metrics, clock } = await startBroker(t);
  const loginRefusals = () => warnings(records, 'mqtt login refused');
  for (let i = 0; i < 3; i++) await refusedLogin(port, 'btn-101', 'wrong');
  t.equal(metrics.get('mqtt_refused_total', { reason: 'auth' }), 3, 'every refusal is counted');
  t.equal(loginRefusals().length, 1, 'one log line for three refusals');

  // Another reason has its own allowance.
  const client = await connect(t, port, 'btn-101');
  await t.rejects(client.subscribeAsync(deviceTopic('ox-102', 'call')));
  t.equal(warnings(records, 'subscription outside own topics refused').length, 1);

  clock.advance(9_999);
  await refusedLogin(port, 'btn-101', 'wrong');
  t.equal(loginRefusals().length, 1, 'still held back just before 10 s');
  clock.advance(1);
  await refusedLogin(port, 'btn-101', 'wrong');
  t.equal(loginRefusals().length, 2, 'logged again at 10 s');
  t.match(loginRefusals()[1], { suppressedBefore: 3 });
  await refusedLogin(port, 'btn-101', 'wrong');
  t.equal(loginRefusals().length, 2, 'the interval starts again from the last line');
});

t.test('a connection that never logs in is closed at connectTimeoutMs with its address logged', async (t) => {
  const { port, records, metrics, clock } = await startBroker(t);
  const socket = tcpConnect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await eventually(() => metrics.render().includes('carehub_hub_mqtt_pending_connections 1\n'), 'pending');
  clock.advance(4999);
  t.equal(metrics.get('mqtt_refused_total', { reason: 'connect-timeout' }), 0, 'not before the timeout');
  clock.advance(1);
  await closed;
  t.match(warnings(records, 'mqtt connection closed: no login in time'), [{ remote: '127.0.0.1', reason: 'connect-timeout' }]);
  t.match(metrics.render(), /carehub_hub_mqtt_pending_connections 0\n/);
});

t.test('per-address pending counts go down as sockets close, so the address may connect again', async (t) => {
  const { port, metrics } = await startBroker(t, { maxPendingPerAddress: 2 });
  const open = () => {
    const socket = tcpConnect({ port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    t.teardown(() => socket.destroy());
    return socket;
  };
  const pending = () => Number(/carehub_hub_mqtt_pending_connections (\d+)\n/.exec(metrics.render())?.[1]);
  const first = open();
  open();
  await eventually(() => pending() === 2, 'two pending');
  first.destroy();
  await eventually(() => pending() === 1, 'one left');
  open();
  await eventually(() => pending() === 2, 'the address got its slot back');
  open();
  await eventually(() => metrics.get('mqtt_refused_total', { reason: 'pending-per-address' }) === 1, 'the cap still holds');
  t.equal(pending(), 2);
});

t.test('stop() is safe before start and twice', async (t) => {
  const { logger } = createTestLogger('silent');
  const { pipeline } = recordingPipeline();
  const options = {
    host: '127.0.0.1',
    port: 0,
    maxPacketBytes: 4096,
    maxConnections: 1,
    maxPendingConnections: 1,
    maxPendingPerAddress: 1,
    connectTimeoutMs: 1000,
    devices: createDeviceDirectory(config),
    pipeline,
    logger,
    metrics: createMetrics(),
  };
  await t.resolves(new HubBroker(options).stop(), 'stop before start');
  const broker = new HubBroker(options);
  await broker.start();
  await t.resolves(broker.stop(), 'stop');
  await t.resolves(broker.stop(), 'a second stop');
});

t.test('a device\'s last will tells the hub it dropped off', async (t) => {
  const { port, inputs, metrics } = await startBroker(t);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: 'ox-102',
    username: 'ox-102',
    password: 'pw-ox-102',
    protocolVersion: 4,
    reconnectPeriod: 0,
    will: { topic: deviceTopic('ox-102', 'status'), payload: Buffer.from('{"status":"offline"}'), qos: 1, retain: true },
  });
  await client.publishAsync(deviceTopic('ox-102', 'status'), '{"status":"online","battery":77}', { qos: 1 });
  client.stream.destroy(); // the power is cut: no DISCONNECT, so the broker publishes the will
  await eventually(() => inputs.length === 2, 'the will');
  t.same(inputs, [
    { kind: 'ingest', deviceId: 'ox-102', via: 'mqtt', input: { kind: 'status', status: 'online', battery: 77 } },
    { kind: 'ingest', deviceId: 'ox-102', via: 'mqtt', input: { kind: 'status', status: 'offline' } },
  ]);
  t.equal(metrics.get('mqtt_retain_cleared_total'), 1, 'the retained will was cleared, not stored');
});
