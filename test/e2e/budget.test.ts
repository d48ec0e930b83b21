/**
 * A tiny disk budget and a long outage (docs/disk-budget.md), on real packages: a hub on LevelDB
 * whose relay is down for an hour of hub time while ten oximeters report every 20 s and call
 * points raise alarms that staff resolve; then the relay (PGlite, or PostgreSQL when DATABASE_URL
 * is set) comes up and the backlog drains. At the relay: every alarm and alarm update arrived;
 * telemetry was thinned first, then dropped oldest first; the outbox-shed events account for
 * every reading that did not arrive as itself.
 */
import t from 'tap';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { createRelay } from '../../cloud/main.ts';
import { CloudConfig } from '../../cloud/config.ts';
import type { Database } from '../../cloud/store/database.ts';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { HubConfig } from '../../hub/config.ts';
import { createHub } from '../../hub/main.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import type { DeviceConfig } from '../../hub/config.ts';
import { seqRunsCount } from '../../protocols/event.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { createScratchDatabase } from '../support/postgres.ts';
import { TEST_STAFF } from '../support/panel-auth.ts';

const HUB_TOKEN = 'budget-hub-token-0123456789abcdef';
const START = Date.parse('2026-11-21T18:00:00.000Z');
const OXIMETERS = 10;
const MINUTES = 60;
const BUDGET = 128 * 1024;
const RESERVE = 16 * 1024;

/** A port nobody listens on (yet): the relay's address during the outage. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function relayDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === '') return openMigratedPglite();
  // The relay migrates at start and closes the database at stop.
  return createPostgresDatabase({ connectionString: await createScratchDatabase(t, url, 'budget'), max: 4 });
}

const port = await freePort();
const relayUrl = `http://127.0.0.1:${port}`;
const clock = new FakeClock(START);
const rooms = Array.from({ length: 3 }, (_, i) => ({ id: `room-${i}`, name: `Room ${i}` }));
const config = HubConfig.parse({
  hubId: 'hub-budget',
  dataDir: t.testdir(),
  logLevel: 'silent',
  panel: { host: '127.0.0.1', port: 0 },
  broker: { host: '127.0.0.1', port: 0 },
  relay: { url: relayUrl, token: HUB_TOKEN, idleMs: 100, retryMinMs: 50, retryMaxMs: 1000, batchSize: 200 },
  outbox: { maxBytes: BUDGET, criticalReserveBytes: RESERVE },
  rooms,
  devices: [
    ...Array.from({ length: OXIMETERS }, (_, i) => ({ id: `ox-${i}`, roomId: rooms[i % 3]!.id, mqtt: { passwordSha256: sha256Hex(`pw-${i}`) } })),
    ...rooms.map((r) => ({ id: `call-${r.id}`, roomId: r.id, mqtt: { passwordSha256: sha256Hex(`pw-${r.id}`) } })),
  ],
  staff: [TEST_STAFF],
});
const device = (id: string) => config.devices.find((d) => d.id === id) as DeviceConfig;

const hub = createHub(config, { logger: pino({ level: 'silent' }), clock });
const { panelUrl } = await hub.start();
t.teardown(() => hub.stop());

// The outage: an hour of hub time, one reading per oximeter every 20 s, a call every 10 minutes
// in each room, resolved by staff a minute later.
let deviceSeq = 0;
const readingsWritten: number[] = [];
const openAlarms: string[] = [];
for (let s = 0; s < MINUTES * 60; s += 20) {
  for (let i = 0; i < OXIMETERS; i++) {
    const event = await hub.pipeline.ingest(device(`ox-${i}`), { kind: 'reading', metric: 'spo2', value: 90 + ((s / 20 + i) % 9) }, 'mqtt');
    readingsWritten.push(event!.seq);
  }
  if (s % 600 === 0) {
    for (const r of rooms) await hub.pipeline.ingest(device(`call-${r.id}`), { kind: 'call-point', event: 'call', deviceSeq: ++deviceSeq, battery: null }, 'mqtt');
    openAlarms.push(...hub.alarms.list().filter((a) => a.state === 'active').map((a) => a.id));
  }
  if (s % 600 === 60) {
    for (const id of openAlarms.splice(0)) await hub.alarms.resolve(id, { kind: 'panel', id: TEST_STAFF.id });
  }
  clock.advance(20_000);
  await new Promise((resolve) => setImmediate(resolve)); // let a shedding pass run between writes
}

t.test('during the outage the outbox stays within its budget and says what it shed', async (t) => {
  const status = await (await fetch(new URL('/api/status', panelUrl.replace('localhost', '127.0.0.1')))).json();
  t.ok(status.outbox.bytes.used <= BUDGET, `${status.outbox.bytes.used} bytes used of ${BUDGET}`);
  t.ok(status.shedding.thinned.reading > 0, `thinned ${status.shedding.thinned.reading} readings`);
  t.ok(Object.keys(status.shedding.dropped).length > 0, `dropped ${JSON.stringify(status.shedding.dropped)}`);
  t.match(hub.metrics.render(), /carehub_hub_outbox_dropped_events_total\{kind="[a-z-]+"\} [1-9]/, "and counts it on /metrics");
  t.equal(status.link.state, 'down', 'the relay is still down');
  t.equal(status.link.lastError?.reason, 'network', 'and the last relay error says why');
  t.equal(status.outbox.etaS, null, 'nothing drains');
});

t.test('the relay returns: the backlog drains; every alarm arrived; shedding is accounted for', async (t) => {
  const db = await relayDatabase();
  const relay = createRelay(
    CloudConfig.parse({
      port,
      host: '127.0.0.1',
      logLevel: 'silent',
      bootstrap: { orgs: [{ id: 'rosewood', name: 'Rosewood', kind: 'nursing-home' }], hubs: [{ id: 'hub-budget', orgId: 'rosewood', tokenSha256: sha256Hex(HUB_TOKEN) }], apiKeys: [] },
    }),
    { logger: pino({ level: 'silent' }), db },
  );
  await relay.start();
  t.teardown(() => relay.stop());

  // Move hub time on in small steps (the forwarder's retry timers run on it) until the outbox is empty.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const lanes = hub.outbox.stats().lanes;
    if (lanes.critical.depth === 0 && lanes.telemetry.depth === 0) break;
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(lanes)}`);
    clock.advance(200);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  const after = await (await fetch(new URL('/api/status', panelUrl.replace('localhost', '127.0.0.1')))).json();
  t.equal(after.link.state, 'up', 'hub status: the link is up');
  t.equal(after.outbox.depth, 0, 'and the outbox empty');
  t.ok(after.outbox.bytes.used < 1024, `holding next to nothing (${after.outbox.bytes.used} bytes)`);

  type Row = { seq: string | number; kind: string; payload: Record<string, unknown> };
  const { rows } = await db.query<Row>(`SELECT seq, kind, payload FROM events WHERE hub_id = 'hub-budget' ORDER BY seq`);
  const stored = rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  const ofKind = (kind: string) => stored.filter((e) => e.kind === kind);

  t.equal(ofKind('alarm').length, rooms.length * (MINUTES / 10), 'every alarm raised is at the relay');
  t.equal(ofKind('alarm-update').length, rooms.length * (MINUTES / 10), 'and every resolution');
  t.equal(ofKind('call-point').length, rooms.length * (MINUTES / 10), 'and every call');

  const thinned = ofKind('outbox-shed').filter((e) => e.payload.action === 'thinned');
  const dropped = ofKind('outbox-shed').filter((e) => e.payload.action === 'dropped');
  t.ok(thinned.length > 0, `thinning reported (${thinned.length} events)`);
  t.ok(dropped.length > 0, `dropping reported (${dropped.length} events)`);
  t.ok(thinned[0]!.seq < dropped[0]!.seq, 'thinned first, then dropped');

  const seqsOf = (payload: Record<string, unknown>) => (payload.seqs as Array<[number, number]>).flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i));
  const thinnedSeqs = new Set(thinned.flatMap((e) => seqsOf(e.payload)));
  const droppedSeqs = new Set(dropped.flatMap((e) => seqsOf(e.payload)));
  const rawAtRelay = new Set(ofKind('reading').map((e) => e.seq));
  const summaries = ofKind('reading-summary');
  const summarisedSeqs = new Set(summaries.flatMap((e) => seqsOf(e.payload)));

  // Every reading written arrived as itself, or was thinned (named by a thinned report), or was
  // dropped raw (named by a dropped report): exactly one of the three.
  for (const seq of readingsWritten) {
    const fates = [rawAtRelay.has(seq), thinnedSeqs.has(seq), droppedSeqs.has(seq)].filter(Boolean).length;
    if (fates !== 1) t.fail(`reading seq ${seq} has ${fates} fates`);
  }
  t.equal(rawAtRelay.size + [...thinnedSeqs].filter((s) => !rawAtRelay.has(s)).length + [...droppedSeqs].filter((s) => readingsWritten.includes(s)).length, readingsWritten.length, 'every reading accounted for once');
  // Summaries that arrived name only thinned readings; those that did not arrive were dropped.
  t.ok([...summarisedSeqs].every((s) => thinnedSeqs.has(s)), 'a summary replaces only readings a thinned report names');
  const summariesWritten = thinned.reduce((n, e) => n + (e.payload.summaries as number), 0);
  const summariesDropped = dropped.reduce((n, e) => n + ((e.payload.byKind as Record<string, number>)['reading-summary'] ?? 0), 0);
  t.equal(summaries.length + summariesDropped, summariesWritten, 'every summary arrived or was reported dropped');
  for (const e of [...thinned, ...dropped]) {
    t.equal(seqRunsCount(e.payload.seqs as Array<[number, number]>), e.payload.events, `report ${e.seq}: its seqs are as many as it says`);
  }
  // Oldest first: nothing of the telemetry that arrived is older than what was dropped.
  const lastDropped = Math.max(...droppedSeqs);
  const telemetryAtRelay = stored.filter((e) => e.kind === 'reading' || e.kind === 'reading-summary');
  t.ok(telemetryAtRelay.every((e) => e.seq > lastDropped), `all telemetry at the relay is newer than seq ${lastDropped}, the last dropped`);
  t.ok(rawAtRelay.size > 0, 'the newest readings arrived raw');
  const byKindTotal = dropped.reduce((n, e) => n + (e.payload.events as number), 0);
  t.equal(byKindTotal, droppedSeqs.size, 'dropped reports count what they name');
  t.equal(hub.metrics.get('forward_failures_total', { reason: 'refused' }), 0, 'the relay took every event kind');
});
