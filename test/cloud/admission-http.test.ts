/**
 * More hubs than the relay admits (docs/relay-pressure.md): real hub forwarders (hub/forwarder.ts,
 * each with its own event log) against the real relay over HTTP, on PostgreSQL when DATABASE_URL
 * is set, else on PGlite. Some hubs are turned away with 429 or 503 and Retry-After; nobody gets
 * another 5xx or a timeout; the hubs wait as long as they were told; and in the end every event of
 * every hub is stored once.
 */
import t from 'tap';
import { pino } from 'pino';
import { CloudConfig } from '../../cloud/config.ts';
import { createRelay } from '../../cloud/main.ts';
import type { Database } from '../../cloud/store/database.ts';
import { hubClock } from '../../cloud/store/hub-clock.ts';
import { runMigrations } from '../../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { Forwarder } from '../../hub/forwarder.ts';
import { systemClock, type Clock } from '../../hub/clock.ts';
import { createMetrics } from '../../hub/metrics.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { Outbox } from '../../hub/store/outbox.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { createScratchDatabase } from '../support/postgres.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { ackedSeq, countEvents, provisionTenant, type Tenant } from './fixtures.ts';

const HUBS = 12;
const EVENTS_PER_HUB = 20;
const BATCH = 5;
/** A hub whose clock is this far behind (no RTC, NTP not answered yet) is flagged; the others are not. */
const BEHIND_MS = 10 * 60_000;

/**
 * The store behind a gate the test opens. While it is shut, the first ingest transactions wait, as
 * on a database that has just become slow, so the hubs that come at once find the relay full
 * however a loaded machine spreads their arrivals. After that a few ms before each transaction
 * stand for a store across a network: PGlite runs inside the relay's process and answers each
 * query before the event loop reads the next request, so without it requests never overlap.
 */
function gatedStore(db: Database, delayMs: number): { db: Database; shut: () => void; open: () => void } {
  let gate: Promise<void> | null = null;
  let open = () => {};
  return {
    shut: () => (gate = new Promise<void>((resolve) => (open = resolve))),
    open: () => open(),
    db: {
      kind: db.kind,
      query: (sql, params) => db.query(sql, params),
      exec: (sql) => db.exec(sql),
      transaction: async (fn) => {
        if (gate) await gate;
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return db.transaction(fn);
      },
      close: () => db.close(),
    },
  };
}

async function openDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === '') return openMigratedPglite();
  const scratch = await createScratchDatabase(t, url, 'admission');
  const db = createPostgresDatabase({ connectionString: scratch, max: 10 });
  await runMigrations(db);
  return db;
}

/** What one hub saw: each request's start and its answer. */
interface Exchange {
  sentAt: number;
  answeredAt: number;
  status: number;
  retryAfter: string | null;
  contentType: string | null;
}

t.test(`${HUBS} hubs at once against a relay that admits 2 requests (2 more waiting) and one batch per 2 s per hub`, async (t) => {
  const store = gatedStore(await openDatabase(), 5);
  const { db } = store;
  const tenants: Tenant[] = [];
  for (let i = 0; i < HUBS; i++) tenants.push(await provisionTenant(db, `adm${i}`));
  const relay = createRelay(
    CloudConfig.parse({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      // A forwarder sends its next batch as soon as one is stored, far within 2 s: every hub meets
      // the rate limit (429), however slow a loaded machine makes the relay. The 12 first requests
      // arrive together at a relay that takes 4: the rest are answered 503.
      admission: { maxInFlight: 2, queueMax: 2, queueWaitMs: 200, hubBatchesPerSecond: 0.5, hubBurst: 1, retryAfterMaxSeconds: 2 },
      clockSkewBoundMs: 60_000,
    }),
    { logger: pino({ level: 'silent' }), db },
  );
  const { url } = await relay.start();
  t.teardown(() => relay.stop());

  const exchanges = new Map<string, Exchange[]>();
  const hubs = await Promise.all(
    tenants.map(async (tenant, i) => {
      const behind = i === 0;
      const clock: Clock = behind ? { ...systemClock, now: () => Date.now() - BEHIND_MS } : systemClock;
      const store = createMemoryStore();
      await store.open();
      const log = new EventLog({ hubId: tenant.hubId, store, clock });
      await log.start();
      const outbox = new Outbox(store);
      await outbox.start();
      for (let v = 1; v <= EVENTS_PER_HUB; v++) {
        await log.append({ kind: 'reading', deviceId: 'ox', payload: { metric: 'spo2', loinc: '59408-5', value: 90 + (v % 10), unit: '%' } });
      }
      const seen: Exchange[] = [];
      exchanges.set(tenant.hubId, seen);
      const metrics = createMetrics();
      const forwarder = new Forwarder({
        hubId: tenant.hubId,
        relayUrl: url,
        token: tenant.hubToken,
        outbox,
        batchSize: BATCH,
        retryMinMs: 50,
        retryMaxMs: 10_000,
        idleMs: 60_000,
        clock: systemClock,
        logger: createTestLogger('warn').logger,
        metrics,
        // Forwarder's own timers run on the real clock; only X-Hub-Time comes from the hub's clock.
        fetch: async (input, init) => {
          const headers = new Headers(init?.headers);
          headers.set('x-hub-time', new Date(clock.now()).toISOString());
          const sentAt = Date.now();
          const res = await fetch(input, { ...init, headers });
          seen.push({ sentAt, answeredAt: Date.now(), status: res.status, retryAfter: res.headers.get('retry-after'), contentType: res.headers.get('content-type') });
          return res;
        },
      });
      return { tenant, forwarder, metrics };
    }),
  );
  store.shut();
  for (const h of hubs) h.forwarder.start(); // all at once: more than the relay admits
  // Open the store once the relay has turned someone away (or after 5 s, and the asserts below say so).
  await eventually(() => [...exchanges.values()].some((seen) => seen.some((e) => e.status === 503)), 'a 503', 5_000).catch(() => undefined);
  store.open();
  t.teardown(() => Promise.all(hubs.map((h) => h.forwarder.stop())));

  // The hubs' own count of acknowledged events: polling the relay's store would add to its load.
  await eventually(
    () => hubs.every((h) => h.metrics.get('forwarded_events_total') === EVENTS_PER_HUB),
    'every hub acknowledged through its last event',
    60_000,
  );

  const all = [...exchanges.values()].flat();
  const statuses = new Set(all.map((e) => e.status));
  t.comment(`answers: ${[...statuses].map((s) => `${s}×${all.filter((e) => e.status === s).length}`).join(' ')}`);
  t.same([...statuses].filter((s) => s !== 200 && s !== 429 && s !== 503), [], 'no answer but 200, 429 and 503: no crash, no other 5xx');
  t.ok(all.some((e) => e.status === 429), 'some batches were turned away per hub (429)');
  t.ok(all.some((e) => e.status === 503), 'some batches were turned away because the relay was full (503)');
  const refused = all.filter((e) => e.status !== 200);
  t.ok(
    refused.every((e) => /^[1-9]\d*$/.test(e.retryAfter ?? '') && e.contentType === 'application/problem+json'),
    'every 429 and 503 is a problem+json with Retry-After in whole seconds',
  );

  // Honoured: after being told to wait N s, the hub's next request came no sooner.
  const early: string[] = [];
  for (const [hubId, seen] of exchanges) {
    seen.forEach((e, i) => {
      const next = seen[i + 1];
      if (e.status === 200 || next === undefined) return;
      const waited = next.sentAt - e.answeredAt;
      if (waited < Number(e.retryAfter) * 1000 - 50) early.push(`${hubId}: came back after ${waited} ms, asked ${e.retryAfter} s`);
    });
  }
  t.same(early, [], 'no hub came back before its Retry-After');

  for (const { tenant, metrics } of hubs) {
    t.equal(await countEvents(db, tenant.hubId), EVENTS_PER_HUB, `${tenant.hubId}: every event stored once`);
    t.equal(await ackedSeq(db, tenant.hubId), EVENTS_PER_HUB);
    t.equal(metrics.get('forward_failures_total', { reason: 'timeout' }) + metrics.get('forward_failures_total', { reason: 'network' }), 0, `${tenant.hubId}: no timeout, no dropped connection`);
  }

  const text = await (await fetch(`${url}/metrics`)).text();
  t.match(text, /^carehub_ingest_shed_total\{reason="hub-rate"\} [1-9]\d*$/m, '429s counted by reason');
  t.match(text, /^carehub_ingest_shed_total\{reason="in-flight"\} [1-9]\d*$/m, '503s counted by reason');
  t.match(text, /^carehub_ingest_in_flight 0$/m, 'nothing left in flight');
  t.match(text, /^carehub_ingest_queued 0$/m, 'nobody left waiting');

  // The hub whose clock is 10 min behind is flagged; the others, seconds off at most, are not.
  t.match(text, /^carehub_hubs_clock_skewed 1$/m);
  const behindHub = tenants[0]!;
  const skewLine = new RegExp(`^carehub_hub_clock_skew_seconds\\{hub="${behindHub.hubId}"\\} (\\S+)$`, 'm').exec(text);
  t.ok(skewLine && Math.abs(Number(skewLine[1]) - BEHIND_MS / 1000) < 30, `its skew is about +600 s (${skewLine?.[1]})`);
  const record = await hubClock(db, behindHub.orgId, behindHub.hubId);
  t.match(record, { skewed: true }, 'flagged in the hub record too');
  t.ok(record!.skewMs! > BEHIND_MS - 30_000 && record!.skewMs! < BEHIND_MS + 30_000);
  t.match(await hubClock(db, tenants[1]!.orgId, tenants[1]!.hubId), { skewed: false });
});
