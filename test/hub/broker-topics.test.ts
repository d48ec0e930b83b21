/**
 * What the hub's broker stores and lets a device see (docs/mqtt-topics.md): nothing retained is stored
 * or replayed, and a device subscribes only to its own topics. A real hub with real mqtt.js clients;
 * every "receives nothing" check ends with a message that must arrive, so silence is not a dead link.
 */
import type { Test } from 'tap';
import t from 'tap';
import mqtt from 'mqtt';
import { createHub } from '../../hub/main.ts';
import { sha256Hex as sha } from '../../hub/secrets.ts';
import { deviceTopic, TOPIC_ROOT } from '../../protocols/mqtt-topics.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { hubConfig } from './support.ts';

const devices = [
  { id: 'btn-101', roomId: 'room-101', mqtt: { passwordSha256: sha('pw-btn-101') } },
  { id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: sha('pw-btn-102') } },
];

async function startHub(t: Test) {
  const { logger } = createTestLogger('silent');
  const hub = createHub(hubConfig({ dataDir: t.testdir(), receivers: [], devices }), { logger });
  const running = await hub.start();
  t.teardown(() => hub.stop());
  return { hub, ...running };
}

async function connect(t: Test, port: number, id: string, extra: mqtt.IClientOptions = {}) {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: id,
    username: id,
    password: `pw-${id}`,
    protocolVersion: 4, // aedes speaks MQTT 3.1.1 only
    reconnectPeriod: 0,
    ...extra,
  });
  t.teardown(() => client.endAsync(true));
  return client;
}

/** Records every message a client receives, with its retain flag. */
function inbox(client: mqtt.MqttClient) {
  const received: Array<{ topic: string; payload: string; retain: boolean }> = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return received;
}

/** Rejects when `promise` has not settled in 5 s: mqtt.js queues a publish on a dropped client forever. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within 5 s`)), 5000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const call = (seq: number) => JSON.stringify({ event: 'call', seq });
const reading = JSON.stringify({ metric: 'spo2', value: 97 });

t.test('a retained call is refused, and nothing retained is stored or replayed to a later subscriber', async (t) => {
  const { hub, brokerPort } = await startHub(t);
  const publisher = await connect(t, brokerPort, 'btn-101');
  await publisher.publishAsync(deviceTopic('btn-101', 'call'), call(1), { qos: 1, retain: true });
  await publisher.publishAsync(deviceTopic('btn-101', 'telemetry'), reading, { qos: 1, retain: true });
  await publisher.endAsync();

  t.same(hub.alarms.list(), [], 'a retained call raises no alarm');
  t.equal(hub.metrics.get('inputs_rejected_total', { via: 'mqtt', code: 'retained' }), 1, 'it is counted as refused');
  await eventually(() => hub.metrics.get('inputs_total', { kind: 'reading', via: 'mqtt' }) === 1, 'the retained reading is taken');
  t.equal(hub.metrics.get('mqtt_retain_cleared_total'), 2, 'both retain flags cleared');

  // The same device comes back (a device may subscribe only to its own topics) and subscribes afterwards.
  const later = await connect(t, brokerPort, 'btn-101');
  const received = inbox(later);
  const granted = await later.subscribeAsync(`${TOPIC_ROOT}/btn-101/#`, { qos: 1 });
  t.match(granted, [{ qos: 1 }], 'subscription granted');
  // The proof that the subscription works: a fresh message arrives. A replay would have come before it.
  await later.publishAsync(deviceTopic('btn-101', 'telemetry'), JSON.stringify({ metric: 'spo2', value: 96 }), { qos: 1 });
  await eventually(() => received.some((m) => m.payload.includes('96')), 'the fresh message');
  await new Promise((resolve) => setTimeout(resolve, 200)); // room for a replay racing the fresh message
  t.same(received, [{ topic: deviceTopic('btn-101', 'telemetry'), payload: JSON.stringify({ metric: 'spo2', value: 96 }), retain: false }], 'no retained message replayed');
  t.same(hub.alarms.list(), [], 'still no alarm');
});

t.test('a retained will is not stored either, and does not raise an alarm', async (t) => {
  const { hub, brokerPort } = await startHub(t);
  const doomed = await connect(t, brokerPort, 'btn-101', {
    will: { topic: deviceTopic('btn-101', 'call'), payload: Buffer.from(call(9)), qos: 1, retain: true },
  });
  doomed.stream.destroy(); // an unclean disconnect: the broker publishes the will
  await eventually(() => hub.metrics.get('inputs_rejected_total', { via: 'mqtt', code: 'retained' }) === 1, 'the will was refused');
  t.equal(hub.metrics.get('mqtt_retain_cleared_total'), 1);
  t.same(hub.alarms.list(), [], 'no alarm from a retained will');

  const later = await connect(t, brokerPort, 'btn-101');
  const received = inbox(later);
  await later.subscribeAsync(deviceTopic('btn-101', 'call'), { qos: 1 });
  await later.publishAsync(deviceTopic('btn-101', 'call'), call(10), { qos: 1 });
  await eventually(() => received.length > 0, 'the fresh call');
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.same(received, [{ topic: deviceTopic('btn-101', 'call'), payload: call(10), retain: false }], 'the will was not replayed');
  t.equal(hub.alarms.list().length, 1, 'the fresh call is an alarm');
});

t.test('a device subscribes only to its own topics; a refused filter gets SUBACK 0x80 and the device stays', async (t) => {
  const { hub, brokerPort } = await startHub(t);
  const snoop = await connect(t, brokerPort, 'btn-102');
  const received = inbox(snoop);
  const foreign = [deviceTopic('btn-101', 'call'), '#', `${TOPIC_ROOT}/+/call`, `${TOPIC_ROOT}/btn-10`, '$SYS/#'];
  // mqtt.js rejects a SUBACK holding a failure code and hands over the packet.
  const refusal = (await snoop.subscribeAsync([...foreign, `${TOPIC_ROOT}/btn-102/#`], { qos: 1 }).then(
    () => null,
    (err: Error & { packet?: { granted?: number[] } }) => err,
  )) as (Error & { packet?: { granted?: number[] } }) | null;
  t.same(refusal?.packet?.granted, [...foreign.map(() => 128), 1], '[MQTT-3.9.3] 0x80 for every foreign filter, its own granted');
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'subscribe-topic' }), foreign.length);

  const other = await connect(t, brokerPort, 'btn-101');
  await other.publishAsync(deviceTopic('btn-101', 'call'), call(1), { qos: 1 });
  t.equal(hub.alarms.list().length, 1, 'btn-101 raised a call');
  // The snooper is still connected and gets its own message, but never btn-101's.
  t.ok(snoop.connected, 'a refused subscription does not drop the device');
  await within(snoop.publishAsync(deviceTopic('btn-102', 'call'), call(1), { qos: 1 }), 'PUBACK');
  await eventually(() => received.length > 0, 'its own call');
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.same(received.map((m) => m.topic), [deviceTopic('btn-102', 'call')], 'only its own topic reached it');
  t.equal(hub.alarms.list().length, 2, 'and its call is an alarm too');
});

t.test('a login needs the device id as both client id and username, and its password', async (t) => {
  const { hub, brokerPort } = await startHub(t);
  const refusedLogin = /Bad username or password/;
  await t.rejects(connect(t, brokerPort, 'btn-101', { clientId: 'btn-102' }), refusedLogin, 'client id of another device');
  await t.rejects(connect(t, brokerPort, 'btn-101', { password: undefined }), refusedLogin, 'no password');
  await t.rejects(connect(t, brokerPort, 'btn-101', { password: 'pw-btn-102' }), refusedLogin, 'another device\'s password');
  await t.rejects(connect(t, brokerPort, 'btn-999', { password: 'pw-btn-999' }), refusedLogin, 'unknown device');
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'auth' }), 4);
  const ok = await connect(t, brokerPort, 'btn-101');
  t.ok(ok.connected, 'the right id, username and password log in');
});
