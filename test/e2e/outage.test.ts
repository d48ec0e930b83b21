/**
 * Outage (issue 6, docs/store-and-forward.md): the relay is stopped while devices keep sending,
 * then started again on the same port and database. The backlog drains completely; the alarms
 * raised during the outage arrive before the telemetry written during it; an alarm raised as the
 * relay returns is there within a second; nothing is lost or stored twice.
 *
 * Real packages at every seam: a hub (LevelDB, aedes) with mqtt.js devices, the relay's Hono app
 * served over HTTP on PGlite, or on PostgreSQL when DATABASE_URL is set. "Minutes" of outage are
 * compressed to seconds; the hub's retry ceiling is lowered to match.
 */
import t, { type Test } from 'tap';
import mqtt, { type MqttClient } from 'mqtt';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { createApp } from '../../cloud/main.ts';
import { applyBootstrap } from '../../cloud/store/bootstrap.ts';
import type { Database } from '../../cloud/store/database.ts';
import { runMigrations } from '../../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { HubConfig } from '../../hub/config.ts';
import { createHub, type Hub } from '../../hub/main.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import { isCritical, type Event } from '../../protocols/event.ts';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { eventually, eventuallyAsync } from '../fakes/wait.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { createScratchDatabase, findPostgres } from '../support/postgres.ts';

const HUB_ID = 'hub-outage';
const HUB_TOKEN = 'outage-hub-token-0123456789abcdef';
const PASSWORD = 'outage-device-password';
/** How long the relay stays down; the "minutes", compressed. */
const OUTAGE_MS = 3000;
/** The bound for an alarm after the link returns. */
const ALARM_WITHIN_MS = 1000;

async function relayDatabase(t: Test): Promise<Database> {
  if (process.env.DATABASE_URL) {
    const found = await findPostgres();
    if (!('url' in found)) throw new Error(found.reason);
    const db = createPostgresDatabase({ connectionString: await createScratchDatabase(t, found.url, 'outage'), max: 4 });
    t.teardown(() => db.close());
    await runMigrations(db);
    return db;
  }
  const db = await openMigratedPglite();
  t.teardown(() => db.close());
  return db;
}

/**
 * The relay app over HTTP, stoppable and restartable on the same port. Notes, per seq, the number
 * of the answered batch that first stored it (the order things arrived in) and how often it was sent.
 */
async function startRelay(t: Test) {
  const db = await relayDatabase(t);
  await applyBootstrap(db, {
    orgs: [{ id: 'org-outage', name: 'Outage', kind: 'nursing-home' }],
    hubs: [{ id: HUB_ID, orgId: 'org-outage', tokenSha256: sha256Hex(HUB_TOKEN) }],
    apiKeys: [],
  });
  const app = createApp({ db, logger: pino({ level: 'silent' }) });
  /** keyed by seq: the batch (1, 2, ...) whose 200 answer first covered it */
  const arrivedIn = new Map<number, number>();
  /** keyed by seq: when (performance.now()) it was first answered as stored */
  const arrivedAt = new Map<number, number>();
  let batches = 0;
  let port = 0;
  let server: ReturnType<typeof serve> | null = null;
  const start = () =>
    new Promise<void>((resolve) => {
      const s = serve(
        {
          fetch: async function countingFetch(req: Request) {
            const events = ((await req.clone().json()) as { events: Event[] }).events;
            const res = await app.fetch(req);
            if (res.status === 200) {
              batches += 1;
              for (const e of events) {
                if (!arrivedIn.has(e.seq)) arrivedIn.set(e.seq, batches);
                if (!arrivedAt.has(e.seq)) arrivedAt.set(e.seq, performance.now());
              }
            }
            return res;
          },
          port,
          hostname: '127.0.0.1',
        },
        (info: AddressInfo) => {
          port = info.port;
          resolve();
        },
      );
      server = s;
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server!;
      server = null;
      s.close(() => resolve());
      if ('closeAllConnections' in s) s.closeAllConnections();
    });
  await start();
  t.teardown(async () => {
    if (server) await stop();
  });
  const stored = async () =>
    (await db.query<{ seq: string | number; n: string | number }>('SELECT seq, count(*) AS n FROM events WHERE hub_id = $1 GROUP BY seq ORDER BY seq', [HUB_ID])).rows.map(
      (r) => [Number(r.seq), Number(r.n)] as const,
    );
  return { url: `http://127.0.0.1:${port}`, db, start, stop, stored, arrivedIn, arrivedAt };
}

async function startHub(t: Test, relayUrl: string): Promise<{ hub: Hub; brokerPort: number }> {
  const device = (id: string, roomId: string) => ({ id, roomId, mqtt: { passwordSha256: sha256Hex(PASSWORD) } });
  const config = HubConfig.parse({
    hubId: HUB_ID,
    dataDir: t.testdir(),
    logLevel: 'silent',
    panel: { host: '127.0.0.1', port: 0 },
    broker: { host: '127.0.0.1', port: 0 },
    // Production settings but the retry ceiling: seconds of outage stand for minutes.
    relay: { url: relayUrl, token: HUB_TOKEN, retryMaxMs: 2000 },
    rooms: ['room-1', 'room-2', 'room-3'].map((id) => ({ id, name: id })),
    devices: [device('btn-1', 'room-1'), device('btn-2', 'room-2'), device('btn-3', 'room-3'), device('ox-1', 'room-1')],
  });
  const hub = createHub(config, { logger: pino({ level: 'silent' }) });
  const { brokerPort } = await hub.start();
  t.teardown(() => hub.stop());
  return { hub, brokerPort };
}

async function connectDevice(t: Test, brokerPort: number, id: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, {
    clientId: id,
    username: id,
    password: PASSWORD,
    protocolVersion: 4, // aedes speaks MQTT 3.1.1 only
    reconnectPeriod: 0,
  });
  t.teardown(() => client.endAsync());
  return client;
}

/** A pulse oximeter sending readings at QoS 1 with a few in flight until stopped; each message's time is unique. */
function telemetryLoad(client: MqttClient) {
  const acknowledged: string[] = [];
  let running = true;
  let n = 0;
  const base = Date.parse('2026-11-25T00:00:00.000Z');
  const done = (async () => {
    const inFlight = new Set<Promise<void>>();
    while (running) {
      const time = new Date(base + n++).toISOString();
      const p = client.publishAsync(deviceTopic('ox-1', 'telemetry'), JSON.stringify({ metric: 'spo2', value: 90 + (n % 10), unit: '%', time }), { qos: 1 }).then(() => {
        acknowledged.push(time);
        inFlight.delete(p);
      });
      inFlight.add(p);
      if (inFlight.size >= 10) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  })();
  return { acknowledged, stop: async () => ((running = false), await done) };
}

t.test('the relay down under load and back: alarms first, then the whole backlog, each event once', async (t) => {
  const relay = await startRelay(t);
  const { hub, brokerPort } = await startHub(t, relay.url);
  const buttons = await Promise.all(['btn-1', 'btn-2', 'btn-3'].map((id) => connectDevice(t, brokerPort, id)));
  const load = telemetryLoad(await connectDevice(t, brokerPort, 'ox-1'));
  const call = (i: number) => buttons[i]!.publishAsync(deviceTopic(`btn-${i + 1}`, 'call'), JSON.stringify({ event: 'call', seq: 1 }), { qos: 1 });

  // Online: forwarding keeps up, and the hub learns the relay answers ranges.
  await eventually(() => relay.arrivedIn.size > 50, 'readings at the relay before the outage', 15_000);
  t.equal(hub.outbox.relayAnswersRanges, true, 'the relay answers ranges');

  // The outage, with telemetry flowing and two calls (two alarms) in it.
  await relay.stop();
  const outageFrom = hub.log.seq + 1;
  await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
  await call(0);
  await call(1);
  await eventually(() => hub.alarms.list().length === 2, 'both alarms raised on the hub');
  await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
  const outageTo = hub.log.seq;
  const during = await hub.outbox.peek(1_000_000);
  t.ok(during.filter((e) => e.kind === 'reading').length > 500, `a backlog built up (${hub.outbox.stats().lanes.telemetry.depth} readings waiting)`);
  t.ok(hub.metrics.get('forward_failures_total', { reason: 'network' }) > 0, 'the hub found the relay unreachable');
  const gauge = () => Number(/^carehub_hub_outbox_backlog (\d+)$/m.exec(hub.metrics.render())?.[1]);
  t.equal(gauge(), hub.outbox.stats().lanes.telemetry.depth + hub.outbox.stats().lanes.critical.depth, 'the backlog gauge is the lanes\' depth');

  // Back: a third call as the relay returns.
  const before = new Set(hub.alarms.list().map((a) => a.id));
  await relay.start();
  const back = performance.now();
  await call(2);
  await eventually(() => hub.alarms.list().length === 3, 'the third alarm raised');
  const third = hub.alarms.list().find((a) => !before.has(a.id))!;
  let thirdSeq = 0;
  await eventuallyAsync(async () => {
    const { rows } = await relay.db.query<{ seq: string | number }>("SELECT seq FROM events WHERE hub_id = $1 AND kind = 'alarm' AND payload->>'alarmId' = $2", [HUB_ID, third.id]);
    thirdSeq = rows.length === 1 ? Number(rows[0]!.seq) : 0;
    return thirdSeq > 0;
  }, 'the third alarm at the relay', 15_000);
  const thirdAfter = relay.arrivedAt.get(thirdSeq)! - back;
  t.ok(thirdAfter <= ALARM_WITHIN_MS, `an alarm raised as the relay returned is there after ${thirdAfter.toFixed(0)} ms (≤ ${ALARM_WITHIN_MS})`);

  await load.stop();
  await eventually(() => hub.outbox.ackedSeq === hub.log.seq && hub.outbox.stats().lanes.telemetry.depth === 0, 'the backlog drained completely', 30_000);
  t.equal(gauge(), 0, 'the backlog gauge reads 0');

  // Alarms first: every critical event written during the outage was stored in a batch no later
  // than the first that carried telemetry written during it.
  const outageEvents = during.filter((e) => e.seq >= outageFrom && e.seq <= outageTo);
  const critical = outageEvents.filter(isCritical);
  t.ok(critical.length >= 4, `the outage's critical events: ${critical.map((e) => e.kind).join(', ')}`);
  const firstTelemetryBatch = Math.min(...outageEvents.filter((e) => !isCritical(e)).map((e) => relay.arrivedIn.get(e.seq)!));
  const lastCriticalBatch = Math.max(...critical.map((e) => relay.arrivedIn.get(e.seq)!));
  t.ok(lastCriticalBatch <= firstTelemetryBatch, `critical events in batch ≤ ${lastCriticalBatch}, the outage's telemetry from batch ${firstTelemetryBatch}`);

  // Nothing lost, nothing doubled: every seq the hub wrote is stored once, and every reading a device had acknowledged is among them.
  const stored = await relay.stored();
  t.same(stored.map(([seq]) => seq), Array.from({ length: hub.log.seq }, (_, i) => i + 1), `every seq 1..${hub.log.seq} at the relay`);
  t.same(stored.filter(([, n]) => n !== 1), [], 'none stored twice');
  const times = new Set(
    (await relay.db.query<{ t: string }>("SELECT to_char(device_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS t FROM events WHERE hub_id = $1 AND kind = 'reading'", [HUB_ID])).rows.map((r) => r.t),
  );
  const missing = load.acknowledged.filter((time) => !times.has(time));
  t.same(missing.slice(0, 5), [], `all ${load.acknowledged.length} acknowledged readings stored (${missing.length} missing)`);
});
