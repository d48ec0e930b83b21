/** A real hub (LevelDB, aedes, panel) with real mqtt.js clients. */
import type { Test } from 'tap';
import t from 'tap';
import mqtt from 'mqtt';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { connect as tcpConnect } from 'node:net';
import { createHub } from '../../hub/main.ts';
import { sha256Hex as sha } from '../../hub/secrets.ts';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { connectSse } from '../support/sse-client.ts';
import { staffCookie } from '../support/panel-auth.ts';
import { requirement } from '../support/requirements.ts';
import { DEVICE_PASSWORD, hubConfig } from './support.ts';

async function startHub(t: Test, dataDir = t.testdir(), broker: Record<string, unknown> = {}) {
  const { logger } = createTestLogger('silent');
  const hub = createHub(
    hubConfig({ dataDir, receivers: [], devices: mqttDevices, broker: { host: '127.0.0.1', port: 0, ...broker } }),
    { logger },
  );
  const running = await hub.start();
  return { hub, ...running };
}

const mqttDevices = [
  { id: 'btn-101', roomId: 'room-101', mqtt: { passwordSha256: sha('pw-101') } },
  { id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: sha(DEVICE_PASSWORD) } },
];


function connect(port: number, username: string, password: string) {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: username,
    username,
    password,
    protocolVersion: 4, // aedes speaks MQTT 3.1.1 only
    reconnectPeriod: 0,
  });
}

t.test('a call over MQTT reaches the panel stream; the panel acknowledges and resolves it', async (t) => {
  const { hub, brokerPort, panelUrl } = await startHub(t);
  t.teardown(() => hub.stop());
  const cookie = await staffCookie(panelUrl);
  const sse = await connectSse(new URL('api/stream', panelUrl).href, cookie);
  t.teardown(() => sse.close());
  await sse.next((m) => m.event === 'snapshot');
  const client = await connect(brokerPort, 'btn-102', DEVICE_PASSWORD);
  t.teardown(() => client.endAsync());
  await client.publishAsync(deviceTopic('btn-102', 'call'), JSON.stringify({ event: 'call', seq: 7 }), { qos: 1 });
  const raised = JSON.parse((await sse.next((m) => m.event === 'alarm')).data);
  t.match(raised, { state: 'active', roomId: 'room-102', roomName: 'Room 102', type: 'call', priority: 'medium' });

  // A repeated frame (same device seq) is dropped by the hub.
  await client.publishAsync(deviceTopic('btn-102', 'call'), JSON.stringify({ event: 'call', seq: 7 }), { qos: 1 });
  t.equal(hub.metrics.get('inputs_duplicate_total', { via: 'mqtt' }), 1);

  const ack = await fetch(new URL(`api/alarms/${raised.id}/acknowledge`, panelUrl), { method: 'POST', headers: { cookie } });
  t.equal(ack.status, 200);
  t.match(JSON.parse((await sse.next((m) => m.event === 'alarm' && JSON.parse(m.data).state === 'acknowledged')).data), {
    id: raised.id,
    lifecycle: [{ state: 'active' }, { state: 'acknowledged', by: { kind: 'panel', id: 'nurse-test' } }],
  });
  const again = await fetch(new URL(`api/alarms/${raised.id}/acknowledge`, panelUrl), { method: 'POST', headers: { cookie } });
  t.equal(again.status, 409, 'acknowledging twice is a conflict');
  const missing = await fetch(new URL(`api/alarms/0190f000-0000-7000-8000-000000000000/resolve`, panelUrl), { method: 'POST', headers: { cookie } });
  t.equal(missing.status, 404);
  const badBody = await fetch(new URL(`api/alarms/${raised.id}/resolve`, panelUrl), { method: 'POST', headers: { cookie }, body: '{"by":"nurse-a"}' });
  t.equal(badBody.status, 400, 'a client-supplied name is refused: the actor comes from the sign-in');
  const resolved = await fetch(new URL(`api/alarms/${raised.id}/resolve`, panelUrl), { method: 'POST', headers: { cookie } });
  t.equal(resolved.status, 200);
  t.same((await (await fetch(new URL('api/alarms', panelUrl), { headers: { cookie } })).json()).items, [], 'no open alarms left');
  const page = await (await fetch(panelUrl)).text();
  t.match(page, /Alarm panel · hub-test/);
  t.notMatch(page, /https?:\/\//, 'the page loads nothing from the internet');
});

t.test('MQTT refusals: bad password, unknown client, foreign topic, bad payload, retained call', async (t) => {
  const { hub, brokerPort } = await startHub(t);
  t.teardown(() => hub.stop());
  await t.rejects(connect(brokerPort, 'btn-102', 'wrong'), /Bad username or password|bad user/i, 'bad password refused');
  await t.rejects(connect(brokerPort, 'intruder', 'x'), /Bad username or password|bad user/i, 'unknown client refused');

  const good = await connect(brokerPort, 'btn-101', 'pw-101');
  t.teardown(() => good.endAsync());
  const rogue = await connect(brokerPort, 'btn-102', DEVICE_PASSWORD);
  const closed = new Promise<string>((resolve) => rogue.once('close', () => resolve('closed')));
  rogue.publish(deviceTopic('btn-101', 'call'), JSON.stringify({ event: 'call', seq: 1 }), { qos: 1 });
  const outcome = await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 5000))]);
  t.equal(outcome, 'closed', 'publishing to another device\'s topic drops that client');
  t.notOk(rogue.connected);
  t.same(hub.alarms.list(), [], 'the foreign call raised nothing');
  t.ok(good.connected, 'the other client stays connected');
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'publish-topic' }), 1);

  await good.publishAsync(deviceTopic('btn-101', 'call'), 'not json', { qos: 1 });
  await good.publishAsync(deviceTopic('btn-101', 'call'), JSON.stringify({ event: 'explode', seq: 1 }), { qos: 1 });
  await good.publishAsync(deviceTopic('btn-101', 'call'), JSON.stringify({ event: 'call', seq: 2 }), { qos: 1, retain: true });
  await good.publishAsync(deviceTopic('btn-101', 'telemetry'), JSON.stringify({ metric: 'spo2', value: 97, unit: 'kg' }), { qos: 1 });
  t.equal(hub.metrics.get('inputs_rejected_total', { via: 'mqtt', code: 'bad-payload' }), 2);
  t.equal(hub.metrics.get('inputs_rejected_total', { via: 'mqtt', code: 'retained' }), 1);
  t.equal(hub.metrics.get('inputs_rejected_total', { via: 'mqtt', code: 'bad-unit' }), 1);
  t.equal(hub.alarms.list().length, 0, 'nothing raised from refused input');

  // The broker still serves the well-behaved device.
  await good.publishAsync(deviceTopic('btn-101', 'call'), JSON.stringify({ event: 'call', seq: 3 }), { qos: 1 });
  t.equal(hub.alarms.list().length, 1, 'the good device still raises a call after all that');
  await good.publishAsync(deviceTopic('btn-101', 'telemetry'), JSON.stringify({ metric: 'spo2', value: 97 }), { qos: 1 });
  await eventually(() => hub.metrics.get('inputs_total', { kind: 'reading', via: 'mqtt' }) === 1, 'reading stored');
  t.match(hub.metrics.render(), /carehub_hub_inputs_rejected_total\{via="mqtt",code="bad-payload"\} 2/);
});

t.test('an alarm raised before a restart is still active after it', async (t) => {
  const dataDir = t.testdir();
  const first = await startHub(t, dataDir);
  t.teardown(() => first.hub.stop()); // a no-op once stopped below; frees the LevelDB lock if an assertion fails first
  const client = await connect(first.brokerPort, 'btn-101', 'pw-101');
  await client.publishAsync(deviceTopic('btn-101', 'call'), JSON.stringify({ event: 'call', seq: 1 }), { qos: 1 });
  await client.endAsync();
  const [alarm] = first.hub.alarms.list();
  t.ok(alarm, 'raised');
  await first.hub.stop();

  const second = await startHub(t, dataDir);
  t.teardown(() => second.hub.stop());
  const cookie = await staffCookie(second.panelUrl);
  const listed = (await (await fetch(new URL('api/alarms', second.panelUrl), { headers: { cookie } })).json()).items;
  t.match(listed, [{ id: alarm!.id, state: 'active' }], 'still active after restart');
  const ack = await fetch(new URL(`api/alarms/${alarm!.id}/acknowledge`, second.panelUrl), { method: 'POST', headers: { cookie } });
  t.equal(ack.status, 200, 'and can be acknowledged');
});

t.test('panel streams leave nothing behind when clients disconnect', async (t) => {
  const { hub, panelUrl } = await startHub(t);
  t.teardown(() => hub.stop());
  const cookie = await staffCookie(panelUrl);
  for (let i = 0; i < 20; i++) {
    const sse = await connectSse(new URL('api/stream', panelUrl).href, cookie);
    await sse.next((m) => m.event === 'snapshot');
    sse.close();
  }
  await eventually(() => /carehub_hub_panel_streams_open 0\b/.test(hub.metrics.render()), 'all 20 streams cleaned up');
  t.equal(hub.metrics.get('panel_streams_opened_total'), 20);
});

t.test('an MQTT packet declaring 200 MB is cut before it is buffered; others are still served', async (t) => {
  const { hub, brokerPort } = await startHub(t);
  t.teardown(() => hub.stop());
  const socket = tcpConnect(brokerPort, '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  // CONNECT fixed header with remaining length 200,000,000, then the start of a body.
  socket.write(Buffer.from([0x10, 0x80, 0x84, 0xaf, 0x5f, 0x00, 0x04]));
  await closed;
  t.equal(hub.metrics.get('mqtt_refused_total', { reason: 'packet-size' }), 1);
  const good = await connect(brokerPort, 'btn-101', 'pw-101');
  await good.publishAsync(deviceTopic('btn-101', 'call'), JSON.stringify({ event: 'call', seq: 1 }), { qos: 1 });
  await good.endAsync();
  t.equal(hub.alarms.list().length, 1);
});

t.test('stop() does not wait for a TCP client that never sent CONNECT', async (t) => {
  // A login timeout far beyond the hang detector below, so only stop() itself can close the socket.
  const { hub, brokerPort } = await startHub(t, t.testdir(), { connectTimeoutMs: 600_000 });
  const idle = tcpConnect(brokerPort, '127.0.0.1');
  idle.on('error', () => undefined);
  await new Promise<void>((resolve) => idle.once('connect', () => resolve()));
  const idleClosed = new Promise<string>((resolve) => idle.once('close', () => resolve('closed')));
  // Without closing it, server.close() waits for that socket; a hang detector, not a timing test.
  const hung = (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve('hung'), ms));
  t.equal(await Promise.race([hub.stop().then(() => 'stopped'), hung(10_000)]), 'stopped');
  t.equal(await Promise.race([idleClosed, hung(1000)]), 'closed', 'the idle socket was closed by the hub');
});

const mosquittoPub = spawnSync('sh', ['-c', 'command -v mosquitto_pub']).status === 0;
const execFileAsync = promisify(execFile);

t.test(
  'an independent client (mosquitto_pub) raises a call as docs/mqtt-topics.md shows',
  { skip: requirement('mosquitto_pub', mosquittoPub, 'Debian: apt-get install mosquitto-clients') },
  async (t) => {
    const { hub, brokerPort } = await startHub(t);
    t.teardown(() => hub.stop());
    const pub = (password: string, message: string) =>
      execFileAsync(
        'mosquitto_pub',
        ['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(brokerPort), '-i', 'btn-102', '-u', 'btn-102', '-P', password, '-q', '1', '-t', deviceTopic('btn-102', 'call'), '-m', message],
        { timeout: 10_000 },
      );
    await pub(DEVICE_PASSWORD, '{"event":"call","seq":1}');
    t.match(hub.alarms.list(), [{ roomId: 'room-102', type: 'call' }], 'PUBACK came after the alarm was raised');
    await t.rejects(pub('wrong', '{"event":"call","seq":2}'), 'a wrong password is refused');
  },
);
