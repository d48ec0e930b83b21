/**
 * npm run bench:pressure — many hubs draining their backlogs into one relay at once, with the
 * relay's ingest admission on (the config defaults: 503 beyond 20 requests in flight, 429 beyond
 * 2 per hub) and, as the baseline in the same run, off (limits so high they never apply). Each hub
 * is the real forwarder (hub/forwarder.ts) over an in-memory outbox; the relay runs in its own
 * process on PostgreSQL (DATABASE_URL, else the local server) or, without one, PGlite.
 *
 * Prints per mode: time to drain everything, events/s, answers by status, and the latency of the
 * stored batches (p50/p95/p99), then the ratios on/off. See docs/relay-pressure.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { z } from 'zod';
import { startService } from '../firmware-sim/processes.ts';
import { systemClock } from '../hub/clock.ts';
import { Forwarder } from '../hub/forwarder.ts';
import { createMetrics } from '../hub/metrics.ts';
import { sha256Hex } from '../hub/secrets.ts';
import { EventLog } from '../hub/store/event-log.ts';
import { createMemoryStore } from '../hub/store/memory-store.ts';
import { Outbox } from '../hub/store/outbox.ts';
import { readFlags } from './flags.ts';
import { formatSummary, summarise } from './stats.ts';

const USAGE = `npm run bench:pressure -- [--hubs N] [--events N] [--batch N]

Every hub drains --events readings in batches of --batch, all hubs at once, into one relay: first
with ingest admission off (baseline), then with the default limits. PostgreSQL from DATABASE_URL
(else postgres://postgres@127.0.0.1:5432/postgres; a scratch database per mode), PGlite if none answers.
`;

const Flags = z.object({
  hubs: z.coerce.number().int().min(1).max(2_000),
  events: z.coerce.number().int().min(1).max(1_000_000),
  batch: z.coerce.number().int().min(1).max(1_000),
});

const say = (line: string) => process.stdout.write(line + '\n');

const UNLIMITED = { maxInFlight: 1_000_000, hubMaxInFlight: 1_000_000, slowStoreMs: 1_000_000_000 };

interface ModeResult {
  seconds: number;
  eventsPerSecond: number;
  statuses: Map<number, number>;
  storedLatencyMs: number[];
  failures: Record<string, number>;
}

async function postgresUrl(): Promise<string | null> {
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return url;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function runMode(label: string, admission: object, flags: z.infer<typeof Flags>, serverUrl: string | null): Promise<ModeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'carehub-bench-pressure-'));
  const hubs = Array.from({ length: flags.hubs }, (_, i) => ({ id: `bench-p${i}`, token: randomBytes(24).toString('base64url') }));
  let dbName: string | null = null;
  let databaseUrl: string | undefined;
  if (serverUrl !== null) {
    dbName = `carehub_pressure_${process.pid}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(serverUrl);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  writeFileSync(
    join(dir, 'cloud.json'),
    JSON.stringify({
      port: 0,
      dataDir: join(dir, 'cloud'),
      logLevel: 'error',
      admission,
      bootstrap: { orgs: [{ id: 'bench', name: 'Bench', kind: 'nursing-home' }], hubs: hubs.map((h) => ({ id: h.id, orgId: 'bench', tokenSha256: sha256Hex(h.token) })) },
    }),
  );
  // DATABASE_URL in the environment would win over the file: the relay gets this mode's database, or none (PGlite).
  const relay = startService('cloud', ['start', '--config', join(dir, 'cloud.json')], join(dir, 'cloud.log'), { DATABASE_URL: databaseUrl ?? '' });
  try {
    const relayUrl = await relay.waitFor(/listening on (\S+)/, 120_000).catch((err: Error) => {
      throw new Error(`${err.message}:\n${readFileSync(join(dir, 'cloud.log'), 'utf8').slice(-2_000)}`);
    });
    const statuses = new Map<number, number>();
    const storedLatencyMs: number[] = [];
    const silent = pino({ level: 'silent' });
    const forwarders = await Promise.all(
      hubs.map(async (hub) => {
        const store = createMemoryStore();
        await store.open();
        const log = new EventLog({ hubId: hub.id, store, clock: systemClock });
        await log.start();
        for (let v = 1; v <= flags.events; v++) {
          await log.append({ kind: 'reading', deviceId: 'ox', payload: { metric: 'spo2', loinc: '59408-5', value: 90 + (v % 10), unit: '%' } });
        }
        const outbox = new Outbox(store);
        await outbox.start();
        const metrics = createMetrics();
        const forwarder = new Forwarder({
          hubId: hub.id,
          relayUrl,
          token: hub.token,
          outbox,
          batchSize: flags.batch,
          retryMinMs: 1_000,
          retryMaxMs: 60_000,
          idleMs: 600_000,
          clock: systemClock,
          logger: silent,
          metrics,
          fetch: async (input, init) => {
            const started = performance.now();
            const res = await fetch(input, init);
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status === 200) storedLatencyMs.push(performance.now() - started);
            return res;
          },
        });
        return { forwarder, metrics };
      }),
    );
    const started = performance.now();
    for (const f of forwarders) f.forwarder.start();
    const total = flags.hubs * flags.events;
    while (forwarders.reduce((n, f) => n + f.metrics.get('forwarded_events_total'), 0) < total) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(forwarders.map((f) => f.forwarder.stop()));
    const failures: Record<string, number> = {};
    for (const reason of ['network', 'timeout', 'busy', 'refused']) {
      failures[reason] = forwarders.reduce((n, f) => n + f.metrics.get('forward_failures_total', { reason }), 0);
    }
    const result = { seconds, eventsPerSecond: total / seconds, statuses, storedLatencyMs, failures };
    const answers = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    say(`${label.padEnd(34)} drained in ${seconds.toFixed(1)} s  ${Math.round(result.eventsPerSecond)} events/s  answers ${answers}  network=${failures.network} timeout=${failures.timeout}`);
    say(formatSummary(`${label}: stored batch latency`, summarise(storedLatencyMs)));
    return result;
  } finally {
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
    if (serverUrl !== null && dbName !== null) {
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  }
}

async function main(): Promise<void> {
  const flags = readFlags({ hubs: { type: 'string', default: '100' }, events: { type: 'string', default: '2000' }, batch: { type: 'string', default: '100' } }, Flags, USAGE);
  if (!flags) return;
  const serverUrl = await postgresUrl();
  say(
    `carehub pressure benchmark: ${flags.hubs} hubs × ${flags.events} readings in batches of ${flags.batch}, all at once, into one relay (${serverUrl ? 'PostgreSQL' : 'PGlite'}, own process)`,
  );
  const off = await runMode('admission off (baseline)', UNLIMITED, flags, serverUrl);
  const on = await runMode('admission on (defaults)', {}, flags, serverUrl);
  const p99 = (r: ModeResult) => summarise(r.storedLatencyMs).p99;
  const p50 = (r: ModeResult) => summarise(r.storedLatencyMs).p50;
  say(`ratio on/off: events/s ×${(on.eventsPerSecond / off.eventsPerSecond).toFixed(2)}  stored-batch p50 ×${(p50(on) / p50(off)).toFixed(2)}  p99 ×${(p99(on) / p99(off)).toFixed(2)}`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
