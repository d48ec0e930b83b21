/**
 * The downlink end to end on real packages (docs/downlink.md): an operator rebinds a button to
 * another room and a resident and renames the room on the relay; the running hub pulls it, and the
 * next call from that button is an alarm in the new room, for that resident, on the panel and at
 * the relay. Then the relay goes away and the hub restarts: it comes up on the copy on disk.
 */
import t from 'tap';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { CloudConfig } from '../../cloud/config.ts';
import { createRelay } from '../../cloud/main.ts';
import { HubConfig } from '../../hub/config.ts';
import { createHub, type Hub } from '../../hub/main.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { eventually, eventuallyAsync } from '../fakes/wait.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { staffCookie, TEST_STAFF } from '../support/panel-auth.ts';
import { connectSse, type SseClient } from '../support/sse-client.ts';

const HUB_TOKEN = 'e2e-downlink-hub-token-0123456789';
const OPERATOR_KEY = 'e2e-downlink-operator-key-0123456';
const BUTTON_PASSWORD = 'e2e-downlink-button';
const silent = pino({ level: 'silent' });

const relay = createRelay(
  CloudConfig.parse({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    bootstrap: {
      orgs: [{ id: 'rosewood', name: 'Rosewood', kind: 'nursing-home' }],
      hubs: [{ id: 'hub-e2e', orgId: 'rosewood', tokenSha256: sha256Hex(HUB_TOKEN) }],
      apiKeys: [{ id: 'op', orgId: 'rosewood', role: 'operator', keySha256: sha256Hex(OPERATOR_KEY) }],
    },
  }),
  { logger: silent, db: await openMigratedPglite() },
);
const { url: relayUrl } = await relay.start();
let relayRunning = true;
t.teardown(() => (relayRunning ? relay.stop() : undefined));

const config = HubConfig.parse({
  hubId: 'hub-e2e',
  dataDir: t.testdir(),
  logLevel: 'silent',
  panel: { host: '127.0.0.1', port: 0 },
  broker: { host: '127.0.0.1', port: 0 },
  relay: { url: relayUrl, token: HUB_TOKEN, idleMs: 100, retryMinMs: 50, retryMaxMs: 200, downlink: { waitSeconds: 10, intervalMs: 100 } },
  rooms: [
    { id: 'room-101', name: 'Room 101' },
    { id: 'room-102', name: 'Room 102' },
  ],
  devices: [{ id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: sha256Hex(BUTTON_PASSWORD) } }],
  staff: [TEST_STAFF],
});

interface Running {
  hub: Hub;
  panelUrl: string;
  sse: SseClient;
  press(seq: number): Promise<void>;
  /** Closes the button, the stream and the hub. */
  stop(): Promise<void>;
}

async function bootHub(): Promise<Running> {
  const hub = createHub(config, { logger: silent });
  const { panelUrl, brokerPort } = await hub.start();
  const sse = await connectSse(new URL('api/stream', panelUrl).href, await staffCookie(panelUrl));
  await sse.next((m) => m.event === 'snapshot', 'panel snapshot');
  const button = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, {
    clientId: 'btn-102',
    username: 'btn-102',
    password: BUTTON_PASSWORD,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  return {
    hub,
    panelUrl,
    sse,
    async press(seq) {
      await button.publishAsync(deviceTopic('btn-102', 'call'), JSON.stringify({ event: 'call', seq }), { qos: 1 });
    },
    async stop() {
      await button.endAsync();
      sse.close();
      await hub.stop();
    },
  };
}

function alarmIn(sse: SseClient, roomId: string, what: string) {
  return sse.next((m) => m.event === 'alarm' && (JSON.parse(m.data) as { roomId?: string }).roomId === roomId, what);
}

t.test('a binding changed at the relay is in force on the running hub, and after a restart offline', async (t) => {
  let running = await bootHub();
  t.teardown(() => running.stop());

  const put = await fetch(`${relayUrl}/v1/hubs/hub-e2e/downlink`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
    body: JSON.stringify({
      rooms: [{ id: 'room-101', name: 'Blue room' }],
      residents: [{ id: 'res-9', name: 'Ada' }],
      devices: [{ id: 'btn-102', roomId: 'room-101', residentId: 'res-9' }],
    }),
  });
  t.equal(put.status, 200);
  await eventually(() => running.hub.downlinkState().version === 1, 'hub applied version 1');
  const status = (await (await fetch(new URL('api/status', running.panelUrl))).json()) as { downlink?: Record<string, unknown> };
  t.match(status.downlink, { version: 1, source: 'relay', refused: null }, 'npx hub status sees it');

  await running.press(1);
  const raised = JSON.parse((await alarmIn(running.sse, 'room-101', 'alarm in the new room')).data) as Record<string, unknown>;
  t.match(raised, { deviceId: 'btn-102', roomId: 'room-101', residentId: 'res-9', roomName: 'Blue room' });

  let atRelay: Record<string, unknown> | undefined;
  await eventuallyAsync(async () => {
    const res = await fetch(`${relayUrl}/v1/alarms`, { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
    atRelay = ((await res.json()) as { items: Array<Record<string, unknown>> }).items.find((a) => a.id === raised.id);
    return atRelay !== undefined;
  }, 'alarm at the relay');
  t.match(atRelay, { roomId: 'room-101', residentId: 'res-9' }, 'the relay has it in the new room too');
  await eventuallyAsync(async () => {
    const res = await fetch(`${relayUrl}/v1/hubs/hub-e2e/downlink`, { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
    return ((await res.json()) as { hubReport: { appliedVersion: number | null } }).hubReport.appliedVersion === 1;
  }, 'hub reported version 1 applied');

  // The relay goes away; the hub restarts without it.
  await running.stop();
  await relay.stop();
  relayRunning = false;
  running = await bootHub();
  t.match(running.hub.downlinkState(), { version: 1, source: 'disk' }, 'started on the copy on disk');
  await running.press(2);
  const offline = JSON.parse((await alarmIn(running.sse, 'room-101', 'alarm after the restart')).data) as Record<string, unknown>;
  t.match(offline, { deviceId: 'btn-102', roomId: 'room-101', residentId: 'res-9', roomName: 'Blue room' });
  await eventually(() => running.hub.downlinkState().lastError !== null, 'the pull fails: the relay is gone');
  t.equal(running.hub.downlinkState().version, 1, 'and the hub keeps version 1');
});
