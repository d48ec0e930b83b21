/**
 * Forwarding after a panel acknowledge and resolve, on real packages: a relay
 * (Hono on PGlite) behind a counting wrapper, and a hub (LevelDB, aedes) with
 * its production retry settings. The panel's actions are taken through the
 * hub's AlarmService in-process; the calls come over MQTT from mqtt.js.
 *
 * What the forwarder may send and what an acknowledgement may delete follow
 * one rule (docs/architecture.md, forwarder): if they differed, an
 * acknowledged update would count as "no progress", the forwarder would back
 * off and send the same events again.
 */
import t, { type Test } from 'tap';
import mqtt from 'mqtt';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { createApp } from '../../cloud/main.ts';
import { HubConfig } from '../../hub/config.ts';
import { createHub, type Hub } from '../../hub/main.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import type { Event } from '../../protocols/event.ts';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { applyBootstrap } from '../../cloud/store/bootstrap.ts';
import { eventually } from '../fakes/wait.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';

const BUTTON_PASSWORD = 'forward-after-ack-button';
/** The bound: an acknowledge, a resolve or a new call is at the relay within this. */
const WITHIN_MS = 1000;

interface Arrival {
  event: Event;
  /** performance.now() when the relay answered 200 for the batch carrying it */
  at: number;
}

/** The relay app served on an ephemeral port, counting every event it is sent, per seq. */
async function countingRelay(t: Test) {
  const db = await openMigratedPglite();
  t.teardown(() => db.close());
  const tenant = { hubId: 'hub-fwd', hubToken: 'forward-after-ack-hub-token-0123' };
  await applyBootstrap(db, {
    orgs: [{ id: 'org-fwd', name: 'Forward', kind: 'nursing-home' }],
    hubs: [{ id: tenant.hubId, orgId: 'org-fwd', tokenSha256: sha256Hex(tenant.hubToken) }],
    apiKeys: [],
  });
  const app = createApp({ db, logger: pino({ level: 'silent' }) });
  /** times each seq was sent, keyed by seq */
  const sent = new Map<number, number>();
  /** first stored arrival, keyed by seq */
  const arrivals = new Map<number, Arrival>();
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      {
        fetch: async function countingFetch(req: Request) {
          const events = ((await req.clone().json()) as { events: Event[] }).events;
          for (const e of events) sent.set(e.seq, (sent.get(e.seq) ?? 0) + 1);
          const res = await app.fetch(req);
          if (res.status === 200) {
            const at = performance.now();
            for (const e of events) if (!arrivals.has(e.seq)) arrivals.set(e.seq, { event: e, at });
          }
          return res;
        },
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(s),
    );
  });
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, tenant, sent, arrivals };
}

async function startHub(t: Test, relayUrl: string, hubId: string, token: string): Promise<{ hub: Hub; brokerPort: number }> {
  const config = HubConfig.parse({
    hubId,
    dataDir: t.testdir(),
    logLevel: 'silent',
    panel: { host: '127.0.0.1', port: 0 },
    broker: { host: '127.0.0.1', port: 0 },
    // Production retry and idle settings (the defaults): a stall would show as a wait of a second or more.
    relay: { url: relayUrl, token },
    rooms: [{ id: 'room-102', name: 'Room 102' }],
    devices: [{ id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: sha256Hex(BUTTON_PASSWORD) } }],
  });
  const hub = createHub(config, { logger: pino({ level: 'silent' }) });
  const { brokerPort } = await hub.start();
  t.teardown(() => hub.stop());
  return { hub, brokerPort };
}

/** Waits until the relay has stored an event matching `match`; returns how long after `since` it arrived. */
async function arrivedWithin(relay: Awaited<ReturnType<typeof countingRelay>>, match: (e: Event) => boolean, since: number, what: string) {
  let found: Arrival | undefined;
  await eventually(() => (found = [...relay.arrivals.values()].find((a) => match(a.event))) !== undefined, what, 15_000);
  return found!.at - since;
}

t.test('after an acknowledge and a resolve, the updates and the next call reach the relay at once, each sent once', async (t) => {
  const relay = await countingRelay(t);
  const { hub, brokerPort } = await startHub(t, relay.url, relay.tenant.hubId, relay.tenant.hubToken);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, {
    clientId: 'btn-102',
    username: 'btn-102',
    password: BUTTON_PASSWORD,
    protocolVersion: 4, // aedes speaks MQTT 3.1.1 only
    reconnectPeriod: 0,
  });
  t.teardown(() => client.endAsync());

  const isAlarm = (id: string | undefined, state: string) => (e: Event) =>
    (e.kind === 'alarm' && state === 'active' && (id === undefined || e.payload.alarmId === id)) ||
    (e.kind === 'alarm-update' && e.payload.alarmId === id && e.payload.state === state);

  // 1. A call raises an alarm; let everything settle at the relay.
  await client.publishAsync(deviceTopic('btn-102', 'call'), JSON.stringify({ event: 'call', seq: 1 }), { qos: 1 });
  await eventually(() => hub.alarms.list().length === 1, 'first alarm raised');
  const first = hub.alarms.list()[0]!;
  await arrivedWithin(relay, isAlarm(first.id, 'active'), performance.now(), 'first alarm at the relay');

  // 2. Acknowledge and resolve, as the panel would.
  let since = performance.now();
  await hub.alarms.acknowledge(first.id, { kind: 'panel', id: 'nurse-a' });
  const acked = await arrivedWithin(relay, isAlarm(first.id, 'acknowledged'), since, 'acknowledge at the relay');
  since = performance.now();
  await hub.alarms.resolve(first.id, { kind: 'panel', id: 'nurse-a' });
  const resolved = await arrivedWithin(relay, isAlarm(first.id, 'resolved'), since, 'resolve at the relay');

  // 3. The next call.
  since = performance.now();
  await client.publishAsync(deviceTopic('btn-102', 'call'), JSON.stringify({ event: 'call', seq: 2 }), { qos: 1 });
  const next = await arrivedWithin(relay, (e) => e.kind === 'alarm' && e.payload.alarmId !== first.id, since, 'next alarm at the relay');

  t.ok(acked <= WITHIN_MS, `acknowledge at the relay after ${acked.toFixed(0)} ms (≤ ${WITHIN_MS})`);
  t.ok(resolved <= WITHIN_MS, `resolve at the relay after ${resolved.toFixed(0)} ms (≤ ${WITHIN_MS})`);
  t.ok(next <= WITHIN_MS, `next alarm at the relay after ${next.toFixed(0)} ms (≤ ${WITHIN_MS})`);

  // The outbox empties: the hub saw the relay's acknowledgement of everything it wrote.
  await eventually(() => hub.outbox.ackedSeq === hub.log.seq, 'outbox acknowledged through the last seq', WITHIN_MS);
  t.match(hub.metrics.render(), /^carehub_hub_outbox_backlog 0$/m, 'backlog gauge reads 0');
  t.same([...relay.arrivals.keys()].sort((a, b) => a - b), Array.from({ length: hub.log.seq }, (_, i) => i + 1), 'the relay has every seq');
  const resent = [...relay.sent].filter(([, n]) => n > 1).map(([seq, n]) => `seq ${seq} ×${n}`);
  t.same(resent, [], 'no event was sent twice');
  t.equal(hub.metrics.get('forward_failures_total', { reason: 'ack-below-batch' }), 0, 'no acknowledgement was refused as below the batch');
});
