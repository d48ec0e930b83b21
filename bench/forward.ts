/**
 * npm run bench:forward — how fast a backlog drains from the hub's LevelDB outbox
 * into the relay (Hono on PGlite, or PostgreSQL when DATABASE_URL is set), per
 * batch size, in one run. The relay runs as its own process, as in production.
 *
 * Env: BENCH_EVENTS (20000), BENCH_BATCHES ("100,500,1000"); DATABASE_URL to run against a PostgreSQL
 * database made for the run (it is filled; drop it after).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startService } from '../firmware-sim/processes.ts';
import { systemClock } from '../hub/clock.ts';
import { Forwarder } from '../hub/forwarder.ts';
import { createMetrics } from '../hub/metrics.ts';
import { EventLog } from '../hub/store/event-log.ts';
import { createLevelStore } from '../hub/store/level-store.ts';
import { Outbox } from '../hub/store/outbox.ts';
import { sha256Hex } from '../hub/secrets.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCHES = (process.env.BENCH_BATCHES ?? '100,500,1000').split(',').map(Number);
const say = (line: string) => process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'carehub-bench-forward-'));
  const hubs = BATCHES.map((size) => ({ id: `bench-hub-b${size}`, token: randomBytes(24).toString('base64url'), size }));
  writeFileSync(
    join(dir, 'cloud.json'),
    JSON.stringify({
      port: 0,
      dataDir: join(dir, 'cloud'),
      logLevel: 'warn',
      bootstrap: {
        orgs: [{ id: 'bench', name: 'Bench', kind: 'nursing-home' }],
        hubs: hubs.map((h) => ({ id: h.id, orgId: 'bench', tokenSha256: sha256Hex(h.token) })),
      },
    }),
  );
  const relay = startService('cloud', ['start', '--config', join(dir, 'cloud.json')], join(dir, 'cloud.log'));
  try {
    const relayUrl = await relay.waitFor(/listening on (\S+)/, 120_000);
    say(`carehub forwarding benchmark: ${EVENTS} telemetry events, hub outbox (LevelDB) → relay (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, own process)`);
    let baseline: number | null = null;
    for (const hub of hubs) {
      const rate = await drain(join(dir, hub.id), relayUrl, hub.id, hub.token, hub.size);
      baseline ??= rate;
      say(`batch ${String(hub.size).padStart(5)}: ${Math.round(rate).toString().padStart(6)} events/s  (×${(rate / baseline).toFixed(2)} of batch ${BATCHES[0]})`);
    }
  } finally {
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fills an outbox with EVENTS readings, then times the forwarder emptying it; returns events/s. */
async function drain(dataDir: string, relayUrl: string, hubId: string, token: string, batchSize: number): Promise<number> {
  const store = createLevelStore(dataDir);
  await store.open();
  const log = new EventLog({ hubId, store, clock: systemClock });
  await log.start();
  const fills: Promise<unknown>[] = [];
  for (let i = 0; i < EVENTS; i++) {
    fills.push(log.append({ kind: 'reading', deviceId: `vm-${i % 20}`, payload: { metric: 'spo2', loinc: '59408-5', value: 90 + (i % 10), unit: '%' } }));
  }
  await Promise.all(fills);
  const outbox = new Outbox(store);
  await outbox.start();
  const forwarder = new Forwarder({
    hubId,
    relayUrl,
    token,
    outbox,
    batchSize,
    retryMinMs: 50,
    retryMaxMs: 1000,
    idleMs: 10,
    clock: systemClock,
    logger: pino({ level: 'warn' }),
    metrics: createMetrics(),
  });
  const started = performance.now();
  forwarder.start();
  while (outbox.ackedSeq < EVENTS) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  await forwarder.stop();
  await log.stop();
  await store.close();
  return EVENTS / seconds;
}

await main();
