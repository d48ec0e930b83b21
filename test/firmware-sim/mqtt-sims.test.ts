// Integration: the MQTT simulators against a real aedes broker (the hub's broker) on loopback.
import t from 'tap';
import { createServer, type AddressInfo } from 'node:net';
import { Aedes, type AedesPublishPacket } from 'aedes';
import { CallMessage, TelemetryMessage, parseDeviceTopic, parseJsonPayload } from '../../protocols/mqtt-topics.ts';
import { createMqttCallPointSim } from '../../firmware-sim/mqtt-call-point-sim.ts';
import { createTelemetrySim } from '../../firmware-sim/telemetry-sim.ts';
import { eventually } from '../fakes/wait.ts';

const passwords: Record<string, string> = { 'bath-12': 's3cret', 'watch-1': 'w1', 'watch-2': 'w2', 'watch-3': 'w3' };

async function startBroker(t: { teardown(fn: () => unknown): void }) {
  const published: Array<{ deviceId: string; packet: AedesPublishPacket; protocolVersion: number | undefined }> = [];
  const protocolVersions: number[] = [];
  const broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const ok = username !== undefined && password !== undefined && passwords[username] === password.toString('utf8');
      done(null, ok);
    },
    preConnect(_client, packet, done) {
      protocolVersions.push(packet.protocolVersion ?? 0);
      done(null, true);
    },
  });
  broker.on('publish', (packet, client) => {
    if (client) published.push({ deviceId: client.id, packet, protocolVersion: undefined });
  });
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, published, protocolVersions };
}

t.test('MQTT call point publishes CallMessage at QoS 1, not retained, with its own seq', async (t) => {
  const { url, published, protocolVersions } = await startBroker(t);
  const sim = createMqttCallPointSim({ url, deviceId: 'bath-12', password: 's3cret' });
  await sim.connect();
  t.teardown(() => sim.close());
  t.same(await sim.press('call'), { event: 'call', seq: 1 });
  await sim.press('cancel', { battery: 55 });
  await eventually(() => published.length === 2, 'two publishes');
  t.same(protocolVersions, [4], 'MQTT 3.1.1, as aedes requires');
  for (const { packet } of published) {
    t.equal(packet.topic, 'care/v1/devices/bath-12/call');
    t.same(parseDeviceTopic(packet.topic), { deviceId: 'bath-12', channel: 'call' });
    t.equal(packet.qos, 1);
    t.equal(packet.retain, false);
  }
  const bodies = published.map(({ packet }) => parseJsonPayload(CallMessage, packet.payload as Buffer));
  t.same(bodies, [
    { ok: true, value: { event: 'call', seq: 1 } },
    { ok: true, value: { event: 'cancel', seq: 2, battery: 55 } },
  ]);
});

t.test('a wrong password is refused with a coded error', async (t) => {
  const { url } = await startBroker(t);
  const sim = createMqttCallPointSim({ url, deviceId: 'bath-12', password: 'wrong' });
  await t.rejects(sim.connect(), { name: 'MqttSimError', code: 'connect-failed' });
  await sim.close();
  await t.rejects(sim.press('call'), { code: 'not-connected' });
});

t.test('telemetry sim spreads a limited run over its devices and counts every message', async (t) => {
  const { url, published } = await startBroker(t);
  const sim = createTelemetrySim({
    url,
    devices: [1, 2, 3].map((n) => ({ deviceId: `watch-${n}`, password: `w${n}` })),
    ratePerSecond: 2_000,
    qos: 1,
    limit: 60,
  });
  await sim.start();
  await sim.done;
  const counts = await sim.stop();
  t.match(counts, { sent: 60, acked: 60, failed: 0 });
  await eventually(() => published.length === 60, 'all publishes at the broker');
  const perDevice = new Map<string, number>();
  for (const { packet } of published) {
    const topic = parseDeviceTopic(packet.topic);
    t.equal(topic?.channel, 'telemetry');
    perDevice.set(topic!.deviceId, (perDevice.get(topic!.deviceId) ?? 0) + 1);
    const body = parseJsonPayload(TelemetryMessage, packet.payload as Buffer);
    if (!body.ok) t.fail(body.message);
  }
  t.same(Object.fromEntries(perDevice), { 'watch-1': 20, 'watch-2': 20, 'watch-3': 20 }, 'round robin');
});
