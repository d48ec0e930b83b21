// Integration: the zigbee2mqtt sim against an aedes broker started here, read by an mqtt.js
// subscriber and decoded with the project's zigbee2mqtt codec (docs/firmware-sim.md#zigbee2mqtt).
import t, { type Test } from 'tap';
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { connectAsync } from 'mqtt';
import { decodeZigbee2mqttAvailability, decodeZigbee2mqttPayload, parseZigbee2mqttTopic, zigbee2mqttToInputs } from '../../protocols/zigbee2mqtt/index.ts';
import { createZigbee2mqttSim } from '../../firmware-sim/zigbee2mqtt-sim.ts';
import { eventually } from '../fakes/wait.ts';

async function startBroker(t: Test) {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function subscriber(t: Test, url: string, filter: string) {
  const messages: Array<{ topic: string; text: string; retain: boolean }> = [];
  const client = await connectAsync(url, { protocolVersion: 4, clientId: `sub-${Math.random()}`, reconnectPeriod: 0 });
  t.teardown(() => client.endAsync());
  client.on('message', (topic, payload, packet) => messages.push({ topic, text: payload.toString('utf8'), retain: packet.retain }));
  await client.subscribeAsync(filter, { qos: 0 });
  return messages;
}

t.test('a button press: stock action JSON then the reset, decoded as one call', async (t) => {
  const url = await startBroker(t);
  const messages = await subscriber(t, url, 'zigbee2mqtt/#');
  const sim = createZigbee2mqttSim({ url });
  await sim.connect();
  t.teardown(() => sim.close());
  await sim.update('room 101/button', { battery: 87, linkquality: 120 });
  await sim.action('room 101/button', 'single');
  await eventually(() => messages.length === 3, 'three messages');
  t.same(
    messages.map((m) => [m.topic, JSON.parse(m.text)]),
    [
      ['zigbee2mqtt/room 101/button', { battery: 87, linkquality: 120 }],
      ['zigbee2mqtt/room 101/button', { battery: 87, linkquality: 120, action: 'single' }],
      ['zigbee2mqtt/room 101/button', { battery: 87, linkquality: 120, action: '' }],
    ],
    'the whole state each time, as zigbee2mqtt caches and republishes it',
  );
  const inputs = messages.flatMap((m) => {
    t.same(parseZigbee2mqttTopic('zigbee2mqtt', m.topic), { kind: 'state', friendlyName: 'room 101/button' });
    return zigbee2mqttToInputs(decodeZigbee2mqttPayload(m.text), { role: 'call' }, { retained: m.retain });
  });
  t.same(
    inputs.filter((i) => i.kind === 'call-point'),
    [{ kind: 'call-point', event: 'call' }],
    'one press, one call: the reset is no press',
  );
});

t.test('occupancy, contact and water_leak decode to their states under a custom base topic', async (t) => {
  const url = await startBroker(t);
  const messages = await subscriber(t, url, 'site/z2m/#');
  const sim = createZigbee2mqttSim({ url, baseTopic: 'site/z2m' });
  await sim.connect();
  t.teardown(() => sim.close());
  await sim.update('bed', { occupancy: false });
  await sim.update('door', { contact: false });
  await sim.update('bath', { water_leak: true });
  await eventually(() => messages.length === 3, 'three messages');
  const states = messages.map((m) => {
    const topic = parseZigbee2mqttTopic('site/z2m', m.topic);
    const role = topic.kind === 'state' && topic.friendlyName === 'bed' ? 'bed-exit' : 'sensor';
    return zigbee2mqttToInputs(decodeZigbee2mqttPayload(m.text), { role }, { retained: false });
  });
  t.same(states, [
    [{ kind: 'state', state: { kind: 'bed-exit', out: true } }],
    [{ kind: 'state', state: { kind: 'door', open: true } }],
    [{ kind: 'state', state: { kind: 'water-leak', leak: true } }],
  ]);
});

t.test('availability is retained, plain text (1.x) or JSON (2.x)', async (t) => {
  const url = await startBroker(t);
  const legacy = createZigbee2mqttSim({ url, clientId: 'z2m-1' });
  const json = createZigbee2mqttSim({ url, clientId: 'z2m-2', baseTopic: 'z2m2', availability: 'json' });
  await legacy.connect();
  await json.connect();
  t.teardown(() => Promise.all([legacy.close(), json.close()]));
  await legacy.availability('room 101/button', false);
  await json.availability('room 102/button', true);
  // A subscriber that comes later still gets them: they were retained.
  const messages = await subscriber(t, url, '#');
  await eventually(() => messages.length === 2, 'retained availability');
  const byTopic = Object.fromEntries(messages.map((m) => [m.topic, m]));
  t.equal(byTopic['zigbee2mqtt/room 101/button/availability']?.text, 'offline');
  t.equal(byTopic['z2m2/room 102/button/availability']?.text, '{"state":"online"}');
  t.ok(messages.every((m) => m.retain), 'delivered as retained');
  t.same(messages.map((m) => decodeZigbee2mqttAvailability(m.text)).sort(), ['offline', 'online']);
  t.same(parseZigbee2mqttTopic('zigbee2mqtt', 'zigbee2mqtt/room 101/button/availability'), { kind: 'availability', friendlyName: 'room 101/button' });
});

t.test('publishing before connect is a coded error', async (t) => {
  const sim = createZigbee2mqttSim({ url: 'mqtt://127.0.0.1:1' });
  await t.rejects(sim.action('x', 'single'), { name: 'Zigbee2mqttSimError', code: 'not-connected' });
  await t.rejects(sim.connect(), { code: 'connect-failed' });
});
