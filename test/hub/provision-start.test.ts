/**
 * The installer's two commands as processes (docs/provisioning.md#the-flow): `hub provision` with
 * the operator's claim code, then `hub start` with a config that names no relay and no token. The
 * hub forwards with the stored credential to the relay the credential names: a call from an MQTT
 * button arrives at the relay.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { createApp } from '../../cloud/main.ts';
import { startService } from '../../firmware-sim/processes.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { addOrg, openTestDatabase } from '../cloud/hubs-support.ts';
import { eventuallyAsync } from '../fakes/wait.ts';
import { runBin } from '../support/run-hub-bin.ts';

const db = await openTestDatabase(t);
const org = await addOrg(db, 'start');
const app = createApp({ db, logger: pino({ level: 'silent' }) });
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
t.teardown(
  () =>
    new Promise<void>((r) => {
      server.close(() => r());
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    }),
);
const relayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

t.test('hub provision, then hub start: the call reaches the relay with the stored credential', async (t) => {
  const created = await (
    await fetch(`${relayUrl}/v1/hubs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.operatorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'hub-start' }),
    })
  ).json();
  const dir = t.testdir();
  const config = join(dir, 'hub.json');
  writeFileSync(
    config,
    JSON.stringify({
      hubId: 'hub-start',
      dataDir: join(dir, 'data'),
      logLevel: 'info',
      panel: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      relay: { retryMinMs: 50, retryMaxMs: 500, idleMs: 100 },
      rooms: [{ id: 'room-1', name: 'Room 1' }],
      devices: [{ id: 'btn-1', roomId: 'room-1', mqtt: { passwordSha256: sha256Hex('pw-1') } }],
    }),
    { mode: 0o600 },
  );

  const provision = await runBin(['provision', '--relay', relayUrl, '--claim', created.claimCode, '-c', config]);
  t.equal(provision.code, 0, provision.stderr);
  t.match(provision.stdout, /provisioned hub hub-start/);

  const hub = startService('hub', ['start', '--config', config], join(dir, 'hub.log'));
  t.teardown(() => hub.stop());
  const brokerPort = Number(await hub.waitFor(/^MQTT: mqtt:\/\/[^:]+:(\d+)/));
  const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { clientId: 'btn-1', username: 'btn-1', password: 'pw-1', protocolVersion: 4, reconnectPeriod: 0 });
  device.on('error', () => undefined);
  t.teardown(() => device.end(true));
  await device.publishAsync(deviceTopic('btn-1', 'call'), JSON.stringify({ event: 'call', seq: 1 }), { qos: 1 });

  await eventuallyAsync(async () => {
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE hub_id = 'hub-start' AND kind = 'alarm'", []);
    return (rows[0]?.n ?? 0) >= 1;
  }, 'the alarm of the call at the relay', 30_000);
  t.pass('forwarded with the credential from the data folder, to the relay it names');
});
