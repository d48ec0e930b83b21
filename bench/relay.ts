/**
 * npm run bench:relay — the relay's records path on the real PostgreSQL (docs/benchmarks.md#relay-records-ingest-with-observations-vitals-reads-npm-run-benchrelay):
 *
 * 1. ingest events/s through POST /v1/ingest with N concurrent hubs (one keep-alive connection
 *    each, B reading events a request, observations projected in the same transaction), next to
 *    plain multi-row INSERTs of the same kind of rows into the same database from N connections,
 *    measured in the same run, alternating rounds; ratio relay/plain (goal ≥ 0.5);
 * 2. GET /v1/residents/{id}/vitals over 24 hours of one-a-minute readings at a fixed rate
 *    (open loop), raw and bucket=hour: p50/p99.
 *
 * The relay runs in its own process (bench/relay-server.ts), apart from the load generator; on a
 * machine shared with other work the figures are lower bounds. RELAY_CPU_PROF=<dir> writes the
 * relay process's CPU profile there. A throwaway database is created and dropped. Flags: --help.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { sha256Hex } from '../cloud/crypto.ts';
import { applyBootstrap } from '../cloud/store/bootstrap.ts';
import { runMigrations } from '../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../cloud/store/postgres.ts';
import { ensureObservationPartitions } from '../cloud/resources/observations/partitions.ts';
import { uuidv7 } from '../protocols/uuidv7.ts';
import { readFlags } from './flags.ts';
import { formatSummary, summarise } from './stats.ts';
import type { RelayServerMessage, RelayServerReply } from './relay-server.ts';

const USAGE = `npm run bench:relay -- [flags]

  --hubs N         concurrent hubs, one keep-alive connection each (50)
  --batch B        events a request (100)
  --seconds S      measured seconds per side per round (5)
  --rounds R       rounds, each runs the relay and the plain INSERTs (3)
  --rate Q         vitals requests/s (200)
  --vitals-seconds V  seconds of vitals load per kind (5)
  --help
`;
const Flags = z.strictObject({
  hubs: z.coerce.number().int().min(1).max(500),
  batch: z.coerce.number().int().min(1).max(1000),
  seconds: z.coerce.number().positive().max(600),
  rounds: z.coerce.number().int().min(1).max(50),
  rate: z.coerce.number().positive().max(5000),
  'vitals-seconds': z.coerce.number().positive().max(600),
});
const GOAL = 0.5;
const say = (line: string) => process.stdout.write(line + '\n');
const PROFILE_DIR = process.env.RELAY_CPU_PROF;

async function startRelayProcess(connectionString: string): Promise<{ child: ChildProcess; port: number }> {
  const execArgv = ['--import', 'tsx', ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [])];
  const child = fork(join(import.meta.dirname, 'relay-server.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = once(child, 'message') as Promise<[RelayServerReply]>;
  child.send({ type: 'start', connectionString } satisfies RelayServerMessage);
  const [reply] = await ready;
  if (reply.type !== 'ready') throw new Error(`relay process answered ${reply.type}`);
  return { child, port: reply.port };
}

async function stopRelayProcess(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.send({ type: 'stop' } satisfies RelayServerMessage);
  await exited;
}

const flags = readFlags(
  {
    hubs: { type: 'string', default: '50' },
    batch: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '200' },
    'vitals-seconds': { type: 'string', default: '5' },
  },
  Flags,
  USAGE,
);

const METRICS = [
  ['spo2', '59408-5', '%'],
  ['heart-rate', '8867-4', '/min'],
] as const;

function readingEvents(hubId: string, firstSeq: number, n: number, residentId: string): unknown[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const [metric, loinc, unit] = METRICS[i % 2]!;
    return {
      id: uuidv7(now, randomBytes(10)),
      hubId,
      seq: firstSeq + i,
      kind: 'reading',
      hubTime: new Date(now).toISOString(),
      deviceId: `dev-${i % 10}`,
      residentId,
      payload: { metric, loinc, value: 90 + (i % 10), unit },
    };
  });
}

function post(agent: Agent, port: number, path: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function get(agent: Agent, port: number, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(f: z.infer<typeof Flags>): Promise<void> {
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `bench_relay_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const db = createPostgresDatabase({ connectionString: url.href, max: 10 });
  const plain = new pg.Pool({ connectionString: url.href, max: f.hubs });
  // DROP DATABASE ... WITH (FORCE) at the end ends idle connections; that is not a failure.
  plain.on('error', () => {});
  admin.on('error', () => {});
  let relay: ChildProcess | undefined;
  try {
    await runMigrations(db);
    await ensureObservationPartitions(db, new Date());
    const hubs = Array.from({ length: f.hubs }, (_, i) => ({ id: `bench-hub-${i}`, token: `bench-hub-token-${i}-0123456789` }));
    const apiKey = 'bench-api-key-0123456789';
    await applyBootstrap(db, {
      orgs: [{ id: 'bench-org', name: 'Bench', kind: 'care-home' }],
      hubs: hubs.map((h) => ({ id: h.id, orgId: 'bench-org', tokenSha256: sha256Hex(h.token) })),
      apiKeys: [{ id: 'bench-key', orgId: 'bench-org', role: 'clinician', keySha256: sha256Hex(apiKey) }],
    });
    const started = await startRelayProcess(url.href);
    relay = started.child;
    const port = started.port;
    const seqs = new Map(hubs.map((h) => [h.id, 1]));

    async function relayRound(): Promise<number> {
      const end = Date.now() + f.seconds * 1000;
      let stored = 0;
      await Promise.all(
        hubs.map(async (h) => {
          const agent = new Agent({ keepAlive: true, maxSockets: 1 });
          while (Date.now() < end) {
            const first = seqs.get(h.id)!;
            const body = JSON.stringify({ hubId: h.id, events: readingEvents(h.id, first, f.batch, `res-${h.id}`) });
            const status = await post(agent, port, '/v1/ingest', h.token, body);
            if (status !== 200) throw new Error(`ingest answered ${status}`);
            seqs.set(h.id, first + f.batch);
            stored += f.batch;
          }
          agent.destroy();
        }),
      );
      return stored / f.seconds;
    }

    let plainSeq = 1;
    async function plainRound(): Promise<number> {
      const end = Date.now() + f.seconds * 1000;
      let stored = 0;
      await Promise.all(
        hubs.map(async (h) => {
          const client = await plain.connect();
          try {
            while (Date.now() < end) {
              const events = readingEvents(h.id, 0, f.batch, `res-${h.id}`) as Array<Record<string, unknown>>;
              const rows = events.map((e) => ({ ...e, seq: 1_000_000_000 + plainSeq++ }));
              await client.query(
                `INSERT INTO events (id, hub_id, seq, kind, hub_time, device_id, resident_id, payload)
                 SELECT id, hub_id, seq, kind, "hubTime", "deviceId", "residentId", payload FROM jsonb_to_recordset($1::jsonb)
                   AS x(id uuid, hub_id text, seq bigint, kind text, "hubTime" timestamptz, "deviceId" text, "residentId" text, payload jsonb)`,
                [JSON.stringify(rows.map((r) => ({ ...r, hub_id: h.id })))],
              );
              stored += f.batch;
            }
          } finally {
            client.release();
          }
        }),
      );
      return stored / f.seconds;
    }

    const relayRates: number[] = [];
    const plainRates: number[] = [];
    for (let r = 0; r < f.rounds; r += 1) {
      // Alternate the order so a drift in the machine's load does not favour one side.
      const order = r % 2 === 0 ? (['relay', 'plain'] as const) : (['plain', 'relay'] as const);
      for (const side of order) {
        const rate = side === 'relay' ? await relayRound() : await plainRound();
        (side === 'relay' ? relayRates : plainRates).push(rate);
        say(`round ${r + 1} ${side.padEnd(5)} ${rate.toFixed(0)} events/s`);
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = med(relayRates) / med(plainRates);
    say(`ingest median: relay ${med(relayRates).toFixed(0)} events/s, plain INSERT ${med(plainRates).toFixed(0)} events/s, ratio ${ratio.toFixed(2)} (goal >= ${GOAL})`);

    // Vitals: 24 hours of one reading a minute for one resident.
    const residentId = uuidv7(Date.now(), randomBytes(10));
    await db.query(`INSERT INTO residents (id, org_id, family_name, given_name, birth_date) VALUES ($1, 'bench-org', 'Bench', 'B', '1940-01-01')`, [residentId]);
    const to = new Date();
    const from = new Date(to.getTime() - 24 * 3_600_000);
    await db.query(
      `INSERT INTO observations (id, org_id, hub_id, metric, loinc, unit, value, resident_id, hub_time, relay_time)
       SELECT gen_random_uuid(), 'bench-org', 'bench-hub-0', 'spo2', '59408-5', '%', 90 + (i % 10), $1, $2::timestamptz + i * interval '1 minute', now()
       FROM generate_series(0, 1439) AS i`,
      [residentId, from.toISOString()],
    );
    await db.query('ANALYZE observations');
    for (const bucket of ['raw', 'hour'] as const) {
      const path = `/v1/residents/${residentId}/vitals?metric=spo2&from=${from.toISOString()}&to=${to.toISOString()}&bucket=${bucket}&limit=5000`;
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      const latencies: number[] = [];
      const total = Math.round(f.rate * f['vitals-seconds']);
      const start = performance.now();
      const pending: Promise<void>[] = [];
      for (let i = 0; i < total; i += 1) {
        // Open loop: requests leave on schedule whether or not earlier ones were answered.
        const due = start + (i * 1000) / f.rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        pending.push(
          get(agent, port, path, apiKey).then((status) => {
            if (status !== 200) throw new Error(`vitals answered ${status}`);
            latencies.push(performance.now() - due);
          }),
        );
      }
      await Promise.all(pending);
      agent.destroy();
      say(formatSummary(`vitals ${bucket} @${f.rate}/s`, summarise(latencies)));
    }
  } finally {
    if (relay !== undefined) await stopRelayProcess(relay);
    await plain.end();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

if (flags !== null) await main(flags);
