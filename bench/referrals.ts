/**
 * npm run bench:referrals — referral transitions per second through the REST API on the real
 * PostgreSQL (docs/referrals.md#benchmark): the relay serves HTTP on an ephemeral port (same process
 * as the load generator), each client drives its own referrals through the hospital's moves
 * (received → accepted → in-progress → completed), first with 1 client (the baseline) and then with
 * 50 concurrent ones. Every move locks the referral row, writes its transition, opens or closes the
 * hospital's access and appends to the home's audit chain — the chain head is the shared point.
 * Prints p50 / p95 / p99 per move and transitions/s with the ratio to the baseline.
 * Needs DATABASE_URL or PostgreSQL at 127.0.0.1:5432; makes and drops its own database.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { createApp } from '../cloud/main.ts';
import { sha256Hex } from '../cloud/crypto.ts';
import { applyBootstrap } from '../cloud/store/bootstrap.ts';
import { runMigrations } from '../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../cloud/store/postgres.ts';
import { formatSummary, summarise } from './stats.ts';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '50' }, referrals: { type: 'string', default: '20' } } });
const CLIENTS = Number(values.clients);
const PER_CLIENT = Number(values.referrals);
const SERVER = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const HOME_KEY = 'bench-home-clinician-0123456789';
const HOSP_KEY = 'bench-hosp-clinician-0123456789';
const RESIDENT = '01900000-0000-7000-8000-0000000be701';

const name = `carehub_bench_referrals_${randomBytes(4).toString('hex')}`;
const admin = createPostgresDatabase({ connectionString: SERVER, max: 1 });
await admin.exec(`CREATE DATABASE ${name}`);
const db = createPostgresDatabase({ connectionString: SERVER.replace(/\/[^/]*$/, `/${name}`), max: 20 });
try {
  await runMigrations(db);
  await applyBootstrap(db, {
    orgs: [{ id: 'home', name: 'Home', kind: 'care-home' }, { id: 'hosp', name: 'General', kind: 'hospital' }],
    hubs: [],
    apiKeys: [
      { id: 'home-clin', orgId: 'home', role: 'clinician', keySha256: sha256Hex(HOME_KEY) },
      { id: 'hosp-clin', orgId: 'hosp', role: 'clinician', keySha256: sha256Hex(HOSP_KEY) },
    ],
  });
  await db.query(`INSERT INTO residents (id, org_id, family_name, given_name, birth_date) VALUES ($1, 'home', 'Bench', 'Bo', '1940-01-01')`, [RESIDENT]);
  // No per-key rate limit: the benchmark measures the transitions, not the 429 guard (docs/access.md).
  const app = createApp({ db, logger: pino({ level: 'silent' }), access: { keyRequestsPerSecond: 0 } });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function post(path: string, key: string, body: unknown): Promise<{ id: string; state: string }> {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { id: string; state: string };
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
    return json;
  }
  const MOVES = [{ to: 'received' }, { to: 'accepted' }, { to: 'in-progress', appointmentAt: '2026-12-01T10:00:00Z' }, { to: 'completed' }];

  async function run(clients: number): Promise<{ latencies: number[]; perSecond: number }> {
    // Sent beforehand: the measured part is the hospital's four moves per referral.
    const ids: string[][] = [];
    for (let c = 0; c < clients; c++) {
      const mine: string[] = [];
      for (let i = 0; i < PER_CLIENT; i++) mine.push((await post('/v1/referrals', HOME_KEY, { residentId: RESIDENT, hospitalOrgId: 'hosp', reason: 'bench', priority: 'urgent', service: 'bench' })).id);
      ids.push(mine);
    }
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      ids.map(async (mine) => {
        for (const id of mine) {
          for (const move of MOVES) {
            const t0 = performance.now();
            await post(`/v1/referrals/${id}/transitions`, HOSP_KEY, move);
            latencies.push(performance.now() - t0);
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { latencies, perSecond: latencies.length / seconds };
  }

  process.stdout.write(`bench:referrals — ${PER_CLIENT} referrals × 4 moves per client, real PostgreSQL, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  const one = await run(1);
  process.stdout.write(`${formatSummary('1 client (baseline), per move', summarise(one.latencies))}  ${one.perSecond.toFixed(0)} transitions/s\n`);
  const many = await run(CLIENTS);
  process.stdout.write(`${formatSummary(`${CLIENTS} clients, per move`, summarise(many.latencies))}  ${many.perSecond.toFixed(0)} transitions/s\n`);
  process.stdout.write(`throughput ratio ${CLIENTS} clients / 1 client: ${(many.perSecond / one.perSecond).toFixed(2)}x\n`);
  const chain = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE org_id = 'home' AND action = 'referral.transition'`);
  process.stdout.write(`audit entries for transitions: ${chain.rows[0]!.n} (expected ${(1 + CLIENTS) * PER_CLIENT * 5})\n`);
  await new Promise((resolve) => server.close(resolve));
} finally {
  await db.close();
  await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.close();
}
