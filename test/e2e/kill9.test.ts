/**
 * Promise 1 (docs/architecture.md#promises) at its simplest: every call the hub acknowledged (MQTT PUBACK) is an
 * alarm after a kill -9 and a restart. The hub runs as its own process via its CLI.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startService } from '../../firmware-sim/processes.ts';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import type { Alarm } from '../../hub/alarms/alarm.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import { ALARM_PREFIX, prefixEnd } from '../../hub/store/keys.ts';
import { createLevelStore } from '../../hub/store/level-store.ts';

const DEVICES = 20;

t.test('acknowledged calls survive SIGKILL', async (t) => {
  const dir = t.testdir();
  const dataDir = join(dir, 'data');
  writeFileSync(
    join(dir, 'hub.json'),
    JSON.stringify({
      hubId: 'hub-kill9',
      dataDir,
      logLevel: 'warn',
      panel: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      rooms: Array.from({ length: DEVICES }, (_, i) => ({ id: `room-${i}`, name: `Room ${i}` })),
      devices: Array.from({ length: DEVICES }, (_, i) => ({ id: `btn-${i}`, roomId: `room-${i}`, mqtt: { passwordSha256: sha256Hex(`pw-${i}`) } })),
    }),
    { mode: 0o600 },
  );
  const start = () => startService('hub', ['start', '--config', join(dir, 'hub.json')], join(dir, 'hub.log'));

  const first = start();
  t.teardown(() => first.stop(0));
  const brokerPort = Number(await first.waitFor(/^MQTT: mqtt:\/\/[^:]+:(\d+)/));
  // One at a time: the broker caps connections that have not logged in yet per address.
  const clients: mqtt.MqttClient[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { clientId: `btn-${i}`, username: `btn-${i}`, password: `pw-${i}`, protocolVersion: 4, reconnectPeriod: 0 });
    c.on('error', () => undefined); // the kill resets every connection
    clients.push(c);
  }
  // All presses at once, so the kill lands while the hub is still busy with later ones.
  const acked: number[] = [];
  const presses = clients.map((c, i) =>
    c.publishAsync(deviceTopic(`btn-${i}`, 'call'), JSON.stringify({ event: 'call', seq: 1 }), { qos: 1 }).then(() => {
      acked.push(i);
      if (acked.length === DEVICES / 2) first.child.kill('SIGKILL'); // mid-burst
    }),
  );
  // Presses in flight at the kill never settle (mqtt.js keeps them for a reconnect that is off): wait for the
  // connections to drop instead.
  const dropped = Promise.all(clients.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve()))));
  await Promise.race([Promise.allSettled(presses), dropped]);
  for (const c of clients) c.end(true);
  await first.stop(0);
  t.equal(first.child.signalCode, 'SIGKILL', 'the first hub died by SIGKILL, not by a clean stop');
  // The kill is sent at the DEVICES/2-th PUBACK; PUBACKs already on the wire may still arrive after it.
  t.ok(acked.length >= DEVICES / 2, `${acked.length} presses were acknowledged before the kill (at least ${DEVICES / 2})`);
  t.equal(new Set(acked).size, acked.length, 'each press acknowledged once');

  // Restart: the hub replays what it stored but had not evaluated, then serves. A clean stop after that
  // leaves its alarms in LevelDB, read here directly (the panel's API needs a signed-in client).
  const second = start();
  t.teardown(() => second.stop());
  await second.waitFor(/^Panel: (\S+)/);
  t.equal(await second.stop(), 0, 'the restarted hub stops cleanly');
  const store = createLevelStore(join(dataDir, 'leveldb'));
  await store.open();
  const alarms = (await store.entries<Alarm>({ gte: ALARM_PREFIX, lt: prefixEnd(ALARM_PREFIX) })).map(([, a]) => a);
  await store.close();

  const rooms = alarms.map((a) => a.roomId);
  const missing = acked.map((i) => `room-${i}`).filter((room) => !rooms.includes(room));
  t.same(missing, [], `every one of the ${acked.length} acknowledged calls is an alarm after restart`);
  t.ok(alarms.length >= acked.length, `${alarms.length} alarms after restart, at least the ${acked.length} acknowledged`);
  t.ok(alarms.length <= DEVICES, 'no more alarms than presses');
  t.equal(new Set(rooms).size, rooms.length, 'one alarm per room, none doubled by the replay');
  t.same(
    alarms.filter((a) => a.state !== 'active' || a.type !== 'call'),
    [],
    'all of them active calls',
  );
});
