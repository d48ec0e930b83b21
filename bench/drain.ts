/**
 * npm run bench:drain — a backlog drained from the hub's outbox to a relay on the real PostgreSQL
 * (docs/store-and-forward.md, docs/benchmarks.md#drain-after-an-outage-npm-run-benchdrain):
 *
 * 1. a hub process (bench/drain-hub.ts) writes N readings through its event log while the link is down;
 * 2. a fresh hub process opens that outbox and retries against a link that refuses (a TCP proxy in
 *    this process, standing for the uplink) for --outage-s seconds, so it sits in its real backoff;
 * 3. the link returns and at that moment an alarm is raised: the time until the alarm is in the
 *    relay's PostgreSQL is the first-alarm latency (goal < 1 s); during the drain one more alarm per
 *    second is raised and timed the same way;
 * 4. the drain's events/s, next to plain multi-row INSERTs of the same rows into a table of the
 *    same shape in the same database, and the ratio (goal ≥ 0.5); the hub's peak RSS in the drain.
 *
 * The relay (bin/cloud.js) runs as its own process on a database made for the run and dropped after.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { startService } from '../firmware-sim/processes.ts';
import { sha256Hex } from '../hub/secrets.ts';
import { readFlags } from './flags.ts';
import { summarise } from './stats.ts';

const USAGE = `npm run bench:drain -- [flags]

Drains a backlog of N readings from a hub's outbox to the relay on PostgreSQL (DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/postgres; a database is made for the run and dropped after).

  --events N     backlog size (1000000)
  --batch B      events per request, as relay.batchSize (1000)
  --outage-s S   seconds the link refuses before it returns (5)
  --help         this text
`;

const Flags = z.object({
  events: z.coerce.number().int().min(1000),
  batch: z.coerce.number().int().min(1).max(1000),
  'outage-s': z.coerce.number().min(1).max(600),
});

const say = (line: string) => process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

/**
 * The uplink: while down nothing listens on its port (connection refused, as with the relay's host
 * down); while up it pipes to the relay. (A socket accepted and closed at once is not used for
 * "down": undici's fetch then hangs until the forwarder's stall timeout, another kind of outage.)
 */
function createLink(target: { host: string; port: number }): { up: (on: boolean) => Promise<void>; port: () => number; close: () => void } {
  const open = new Set<Socket>();
  let port = 0;
  let server: Server | null = null;
  const handle = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    open.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream).pipe(client);
  };
  const up = async (on: boolean) => {
    if (on && !server) {
      const s = createServer(handle);
      await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
      port = (s.address() as { port: number }).port;
      server = s;
    } else if (!on && server) {
      server.close();
      server = null;
      for (const socket of open) socket.destroy();
    }
  };
  return { up, port: () => port, close: () => void up(false) };
}

/** BENCH_CPU_PROF=<dir>: CPU profiles of the hub processes go there (node --cpu-prof). */
const PROFILE_DIR = process.env.BENCH_CPU_PROF;

function hubProcess(): { child: ChildProcess; next: (pick: (m: Record<string, unknown>) => boolean, limitMs: number) => Promise<Record<string, unknown>>; messages: Array<Record<string, unknown>> } {
  const child = fork(join(import.meta.dirname, 'drain-hub.ts'), [], { execArgv: ['--import', 'tsx', ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  child.on('message', (m) => {
    messages.push(m as Record<string, unknown>);
    for (const w of waiters) w();
  });
  const next = (pick: (m: Record<string, unknown>) => boolean, limitMs: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const failed = messages.find((m) => 'error' in m);
        if (failed) return finish(() => reject(new Error(`hub process: ${String(failed.error)}`)));
        const found = messages.find(pick);
        if (found) finish(() => resolve(found));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`hub process: no answer in ${limitMs} ms`))), limitMs);
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        fn();
      };
      waiters.add(check);
      check();
    });
  return { child, next, messages };
}

async function main(): Promise<void> {
  const flags = readFlags({ events: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '1000' }, 'outage-s': { type: 'string', default: '5' } }, Flags, USAGE);
  if (!flags) return;
  const N = flags.events;
  const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `carehub_drain_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(serverUrl);
  dbUrl.pathname = `/${dbName}`;
  const dir = mkdtempSync(join(tmpdir(), 'carehub-bench-drain-'));
  const hubId = 'bench-drain-hub';
  const token = randomBytes(24).toString('base64url');
  writeFileSync(
    join(dir, 'cloud.json'),
    JSON.stringify({
      port: 0,
      dataDir: join(dir, 'cloud'),
      databaseUrl: dbUrl.toString(),
      logLevel: 'warn',
      bootstrap: { orgs: [{ id: 'bench', name: 'Bench', kind: 'nursing-home' }], hubs: [{ id: hubId, orgId: 'bench', tokenSha256: sha256Hex(token) }] },
    }),
  );
  // DATABASE_URL names the server; the relay must use the database made for the run (the environment would win over its config file).
  const relay = startService('cloud', ['start', '--config', join(dir, 'cloud.json')], join(dir, 'cloud.log'), { DATABASE_URL: dbUrl.toString() });
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  let link: ReturnType<typeof createLink> | null = null;
  const hubs: ChildProcess[] = [];
  try {
    const relayUrl = new URL(await relay.waitFor(/listening on (\S+)/, 120_000));
    await db.connect();
    say(`carehub drain benchmark: ${N} readings, hub outbox (LevelDB) → relay (own process) → PostgreSQL ${(await db.query('SHOW server_version')).rows[0].server_version}`);

    // 1. The hub online for one event, then the backlog written through its event log with the link down.
    link = createLink({ host: relayUrl.hostname, port: Number(relayUrl.port) });
    await link.up(true);
    const filler = hubProcess();
    hubs.push(filler.child);
    filler.child.send({ cmd: 'fill', dataDir: join(dir, 'hub'), hubId, token, relayUrl: `http://127.0.0.1:${link.port()}`, events: N });
    const filled = await filler.next((m) => 'filled' in m, 3_600_000);
    await link.up(false);
    say(`backlog written: ${N} events in ${Number(filled.seconds).toFixed(1)} s (${Math.round(N / Number(filled.seconds))} events/s through the event log)`);

    // 2. A fresh hub process (as after a restart during the outage) in its backoff against a link that refuses.
    const hub = hubProcess();
    hubs.push(hub.child);
    hub.child.send({ cmd: 'drain', dataDir: join(dir, 'hub'), hubId, token, relayUrl: `http://127.0.0.1:${link.port()}`, batchSize: flags.batch });
    const ready = await hub.next((m) => 'ready' in m, 600_000);
    await sleep(flags['outage-s'] * 1000);
    const refusedRounds = hub.messages.filter((m) => m.link === 'down').length > 0;

    // 3. The link returns; an alarm at once, then one a second while the drain runs.
    const seen = async (id: string) => (await db.query('SELECT 1 FROM events WHERE id = $1', [id])).rowCount === 1;
    const timeAlarm = async (tag: string): Promise<number> => {
      const raisedAt = performance.now();
      hub.child.send({ cmd: 'alarm', tag });
      const { id } = (await hub.next((m) => m.alarmed === tag, 60_000)) as { id: string };
      while (!(await seen(id))) await sleep(2);
      return performance.now() - raisedAt;
    };
    await link.up(true);
    const t0 = performance.now();
    const first = await timeAlarm('first');
    const during: number[] = [];
    let drained: Record<string, unknown> | undefined;
    const done = hub.next((m) => 'drained' in m, 3_600_000).then((m) => (drained = m));
    for (let i = 0; !drained; i++) {
      await Promise.race([sleep(1000), done]);
      if (!drained) during.push(await timeAlarm(`during-${i}`).catch(() => NaN));
    }
    const drainSeconds = (performance.now() - t0) / 1000;
    const alarms = 1 + during.length;
    const total = 1 + N + alarms; // the one event forwarded while online, the backlog, the alarms
    const stored = (await db.query('SELECT count(*)::int AS n, count(DISTINCT seq)::int AS seqs, max(seq)::int AS top FROM events WHERE hub_id = $1', [hubId])).rows[0];
    const drainRate = (N + alarms) / drainSeconds;

    // 4. The same rows as plain multi-row INSERTs into a table of the same shape, same database.
    await db.query('CREATE TABLE events_plain (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)');
    const insertMs: number[] = [];
    let plainRows = 0;
    for (let after = 0; ; ) {
      const { rows } = await db.query('SELECT id, hub_id, seq, kind, hub_time, device_time, device_id, room_id, resident_id, payload FROM events WHERE hub_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [hubId, after, flags.batch]);
      if (rows.length === 0) break;
      const params: unknown[] = [];
      const tuples = rows.map((r, i) => {
        params.push(r.id, r.hub_id, r.seq, r.kind, r.hub_time, r.device_time, r.device_id, r.room_id, r.resident_id, JSON.stringify(r.payload));
        return `(${Array.from({ length: 10 }, (_, k) => `$${i * 10 + k + 1}`).join(', ')})`;
      });
      const started = performance.now();
      await db.query(`INSERT INTO events_plain (id, hub_id, seq, kind, hub_time, device_time, device_id, room_id, resident_id, payload) VALUES ${tuples.join(', ')}`, params);
      insertMs.push(performance.now() - started);
      plainRows += rows.length;
      after = Number(rows[rows.length - 1].seq);
    }
    const plainRate = plainRows / (insertMs.reduce((a, b) => a + b, 0) / 1000);

    const d = summarise(during.filter((x) => !Number.isNaN(x)));
    const ins = summarise(insertMs);
    say(`link down ${flags['outage-s']} s (hub saw it refused: ${refusedRounds ? 'yes' : 'no'}); hub RSS at start of drain ${(Number(ready.rss) / MiB).toFixed(0)} MiB`);
    say(`drain:          ${Math.round(drainRate)} events/s  (${N + alarms} events in ${drainSeconds.toFixed(1)} s, batches of ${flags.batch})`);
    say(`plain INSERTs:  ${Math.round(plainRate)} events/s  (multi-row INSERT of ${flags.batch} rows: p50=${ins.p50.toFixed(1)}ms p99=${ins.p99.toFixed(1)}ms)`);
    say(`ratio drain/plain: ${(drainRate / plainRate).toFixed(2)}  (goal ≥ 0.5)`);
    say(`first alarm after the link returned: ${first.toFixed(0)} ms to the relay's PostgreSQL  (goal < 1000 ms)`);
    say(`alarms during the drain (one a second): n=${d.n} p50=${d.p50.toFixed(0)}ms p99=${d.p99.toFixed(0)}ms max=${d.max.toFixed(0)}ms`);
    say(`hub peak RSS during the drain: ${(Number(drained!.peakRss) / MiB).toFixed(0)} MiB`);
    const ok = stored.n === total && stored.seqs === total && stored.top === total;
    say(`relay holds ${stored.n} events, ${stored.seqs} distinct seqs, highest ${stored.top}: ${ok ? 'every event once' : 'MISMATCH'}`);
    if (!ok) process.exitCode = 1;
  } finally {
    for (const child of hubs) if (child.exitCode === null) child.kill('SIGKILL');
    link?.close();
    await db.end().catch(() => undefined);
    await relay.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
