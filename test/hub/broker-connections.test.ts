/**
 * Connection slots of the hub's broker (docs/mqtt-topics.md, "Connection limits"): sockets that never
 * log in cannot lock the call points out, the pre-CONNECT time is bounded, and `maxConnections` caps
 * authenticated devices. A real hub, real TCP sockets on loopback, mqtt.js as the device.
 *
 * Idle sockets come from 127.0.0.2 and up (Linux routes all of 127.0.0.0/8 to lo), the devices from
 * 127.0.0.1, so "one host" and "many hosts" are real remote addresses to the broker.
 */
import type { Test } from 'tap';
import t from 'tap';
import mqtt from 'mqtt';
import { connect as tcpConnect, type Socket } from 'node:net';
import { createHub } from '../../hub/main.ts';
import { sha256Hex as sha } from '../../hub/secrets.ts';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { hubConfig } from './support.ts';

const devices = ['btn-101', 'btn-102', 'btn-103'].map((id, i) => ({
  id,
  roomId: i === 0 ? 'room-101' : 'room-102',
  mqtt: { passwordSha256: sha(`pw-${id}`) },
}));

async function startHub(t: Test, broker: Record<string, unknown> = {}, clock?: FakeClock) {
  const { logger, records } = createTestLogger('warn');
  const hub = createHub(
    hubConfig({ dataDir: t.testdir(), receivers: [], devices, broker: { host: '127.0.0.1', port: 0, ...broker } }),
    { logger, ...(clock && { clock }) },
  );
  const running = await hub.start();
  t.teardown(() => hub.stop());
  return { hub, records, ...running };
}

/** Rejects when `promise` has not settled in 5 s: mqtt.js may wait forever for an answer from a socket the hub reset. */
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

function connectDevice(port: number, id: string, password = `pw-${id}`) {
  const connecting = mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: id,
    username: id,
    password,
    protocolVersion: 4, // aedes speaks MQTT 3.1.1 only
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  return within(connecting, `${id} CONNACK`);
}

function publishCall(client: mqtt.MqttClient, id: string, seq: number) {
  return within(client.publishAsync(deviceTopic(id, 'call'), JSON.stringify({ event: 'call', seq }), { qos: 1 }), `${id} PUBACK`);
}

type Hub = Awaited<ReturnType<typeof startHub>>['hub'];

/** Open MQTT connections that have not logged in, read from the hub's gauge. */
function pendingGauge(hub: Hub): number {
  return Number(/carehub_hub_mqtt_pending_connections (\d+)\n/.exec(hub.metrics.render())?.[1]);
}

/** TCP connections the broker has accepted and dealt with so far: still pending, or refused before login. */
function acceptedSoFar(hub: Hub): number {
  const refused = (reason: string) => hub.metrics.get('mqtt_refused_total', { reason });
  return pendingGauge(hub) + refused('pending-per-address') + refused('pending-evicted') + refused('connect-timeout');
}

/**
 * Opens `count` TCP connections that never send a byte, `batch` at a time, waiting after each batch
 * until the hub has accepted it: a handshake completes in the kernel before accept(), so without the
 * wait the listen backlog (511) overflows into 1 s SYN retries. The teardown destroys every socket.
 */
async function openIdleSockets(t: Test, hub: Hub, port: number, count: number, localAddress: (i: number) => string, batch = 200) {
  const sockets: Socket[] = [];
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
  });
  const before = acceptedSoFar(hub);
  for (let start = 0; start < count; start += batch) {
    const opened: Promise<void>[] = [];
    const end = Math.min(count, start + batch);
    for (let i = start; i < end; i++) {
      const socket = tcpConnect({ port, host: '127.0.0.1', localAddress: localAddress(i) });
      socket.on('error', () => undefined); // the hub resets refused sockets
      sockets.push(socket);
      opened.push(new Promise((resolve) => socket.once('connect', () => resolve())));
    }
    await Promise.all(opened);
    // Pacing only, not an assertion (those follow in each test): a broker that miscounts still gets its sockets.
    await eventually(() => acceptedSoFar(hub) - before >= end, 'pacing', 2000).catch(() => undefined);
  }
  return sockets;
}

/** A call point's call over MQTT becomes an alarm: the outcome that must survive every attack below. */
async function callBecomesAlarm(t: Test, hub: Hub, port: number, id = 'btn-101') {
  const client = await connectDevice(port, id);
  t.teardown(() => client.endAsync(true));
  await publishCall(client, id, 1);
  t.match(hub.alarms.list(), [{ roomId: 'room-101', type: 'call', state: 'active' }], `${id}'s call is an alarm`);
}

t.test('2,000 idle sockets from one host do not lock a call point out', async (t) => {
  // connectTimeoutMs far beyond the test, so the per-address cap alone must keep the slots free.
  const { hub, brokerPort, records } = await startHub(t, { connectTimeoutMs: 600_000 });
  const sockets = await openIdleSockets(t, hub, brokerPort, 2000, () => '127.0.0.2');
  t.equal(sockets.length, 2000);
  await callBecomesAlarm(t, hub, brokerPort);
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'pending-per-address' }), 1990, '1,990 refused');
  t.equal(pendingGauge(hub), 10, 'ten stay pending: maxPendingPerAddress');
  const logged = records.filter((r) => r.reason === 'pending-per-address');
  t.equal(logged.length, 1, '1,990 refusals, one log line (rate-limited)');
  t.match(logged[0], { remote: '127.0.0.2', msg: /too many unauthenticated/ });
});

t.test('2,000 idle sockets from 200 hosts do not lock a call point out', async (t) => {
  const { hub, brokerPort } = await startHub(t, { connectTimeoutMs: 600_000 });
  // 10 per address: exactly maxPendingPerAddress, so only the shared pending budget (100) holds them back.
  await openIdleSockets(t, hub, brokerPort, 2000, (i) => `127.0.${1 + Math.floor(i / 10 / 200)}.${2 + (Math.floor(i / 10) % 200)}`);
  t.equal(pendingGauge(hub), 100, 'the pending budget is full');
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'pending-evicted' }), 1900, '1,900 idle sockets closed to make room');
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'pending-per-address' }), 0, 'no address went over its cap');
  await callBecomesAlarm(t, hub, brokerPort);
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'pending-evicted' }), 1901, 'the device took the oldest idle slot');
  t.equal(pendingGauge(hub), 99, 'and left the pending budget once logged in');
});

t.test('maxConnections caps authenticated devices; pending sockets never take their slots', async (t) => {
  const { hub, brokerPort } = await startHub(t, { maxConnections: 2, maxPendingConnections: 5, connectTimeoutMs: 600_000 });
  // The pending budget is full before any device arrives; devices still get in.
  await openIdleSockets(t, hub, brokerPort, 5, (i) => `127.0.0.${2 + i}`);
  t.equal(pendingGauge(hub), 5, 'five pending');
  const first = await connectDevice(brokerPort, 'btn-101');
  const second = await connectDevice(brokerPort, 'btn-102');
  t.teardown(() => second.endAsync(true));
  await t.rejects(connectDevice(brokerPort, 'btn-103'), /Server unavailable/, 'a third device gets CONNACK 3');
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'connections-full' }), 1);

  // A device logging in again while its old connection lingers takes it over instead of being refused.
  const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()));
  const again = await connectDevice(brokerPort, 'btn-101');
  await firstClosed;
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'connections-full' }), 1, 'the takeover was not refused');
  await publishCall(again, 'btn-101', 1);
  t.equal(hub.alarms.list().length, 1, 'and its call is an alarm');

  // A slot freed by a disconnect is free again.
  await again.endAsync();
  await eventually(() => /carehub_hub_mqtt_clients 1\n/.test(hub.metrics.render()), 'one device left');
  const third = await connectDevice(brokerPort, 'btn-103');
  t.ok(third.connected, 'the third device gets the freed slot');
  await third.endAsync();
});

t.test('a connection that does not log in within connectTimeoutMs is closed; a logged-in one stays', async (t) => {
  const connectTimeoutMs = 400;
  const { hub, brokerPort } = await startHub(t, { connectTimeoutMs });
  const device = await connectDevice(brokerPort, 'btn-101');
  t.teardown(() => device.endAsync(true));
  const started = Date.now();
  const [idle, slow] = await openIdleSockets(t, hub, brokerPort, 2, (i) => `127.0.0.${2 + i}`);
  // A slowloris: the first bytes of a CONNECT, never the rest.
  slow!.write(Buffer.from([0x10, 0x20, 0x00, 0x04]));
  const closedWithin = (socket: Socket) =>
    Promise.race([
      new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started))),
      new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 10_000)),
    ]);
  const [idleAfter, slowAfter] = await Promise.all([closedWithin(idle!), closedWithin(slow!)]);
  t.ok(typeof idleAfter === 'number' && idleAfter >= connectTimeoutMs - 50, `idle socket closed after ${idleAfter} ms`);
  t.ok(typeof slowAfter === 'number' && slowAfter >= connectTimeoutMs - 50, `half a CONNECT closed after ${slowAfter} ms`);
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'connect-timeout' }), 2);
  t.ok(device.connected, 'the device that logged in long ago is still connected');
  await publishCall(device, 'btn-101', 1);
  t.equal(hub.alarms.list().length, 1);
  t.equal(pendingGauge(hub), 0, 'nothing left pending');
});

t.test('the refusal counter says what it counts', async (t) => {
  const { hub } = await startHub(t);
  const help = /# HELP carehub_hub_mqtt_refused_total (.*)\n/.exec(hub.metrics.render())?.[1] ?? '';
  for (const reason of ['auth', 'publish-topic', 'subscribe-topic', 'packet-size', 'connect-timeout', 'pending-per-address', 'pending-evicted', 'connections-full']) {
    t.match(help, reason, `HELP names ${reason}`);
  }
  t.match(hub.metrics.render(), /# HELP carehub_hub_mqtt_pending_connections [A-Z].*\n/);
  t.match(hub.metrics.render(), /# HELP carehub_hub_mqtt_retain_cleared_total [A-Z].*\n/);
});

t.test('on the hub clock: the login timeout to the millisecond, one refusal log line per reason per 10 s', async (t) => {
  const clock = new FakeClock(1_700_000_000_000);
  const { hub, brokerPort, records } = await startHub(t, { connectTimeoutMs: 1000, maxPendingPerAddress: 1 }, clock);
  const refusedLogs = () => records.filter((r) => r.reason === 'pending-per-address');
  // The hub may have closed it before we listen: `closed` is then already true.
  const closed = (socket: Socket) =>
    within(socket.closed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve())), 'socket close');

  // The first socket from 127.0.0.2 is pending; the next three are refused and logged once.
  const [first, ...refused] = await openIdleSockets(t, hub, brokerPort, 4, () => '127.0.0.2', 1);
  await Promise.all(refused.map(closed));
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'pending-per-address' }), 3);
  t.match(refusedLogs(), [{ suppressedBefore: 0, remote: '127.0.0.2' }], 'one line for three refusals');

  clock.advance(999);
  t.equal(pendingGauge(hub), 1, 'still pending 1 ms before the login timeout');
  clock.advance(1);
  await closed(first!);
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'connect-timeout' }), 1, 'closed at the login timeout');

  // 9,999 ms after the logged refusal: counted, not logged.
  clock.advance(8_999);
  const [second, third] = await openIdleSockets(t, hub, brokerPort, 2, () => '127.0.0.2', 1);
  await closed(third!);
  t.equal(refusedLogs().length, 1, 'within 10 s of the last line: not logged');
  // At 10,000 ms the next refusal is logged again, with how many went unlogged before it.
  clock.advance(1);
  second!.destroy();
  await eventually(() => pendingGauge(hub) === 0, 'second socket gone');
  const [, fourth] = await openIdleSockets(t, hub, brokerPort, 2, () => '127.0.0.2', 1);
  await closed(fourth!);
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'pending-per-address' }), 5);
  t.match(refusedLogs(), [{ suppressedBefore: 0 }, { suppressedBefore: 3, msg: /too many unauthenticated/ }], 'logged again after 10 s');
});
