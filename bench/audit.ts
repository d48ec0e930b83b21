/**
 * npm run bench:audit — what the hash-chained audit trail costs a write transaction on the real
 * PostgreSQL (docs/audit.md). Concurrent writers each run short transactions that end with the
 * audit append, in three modes measured in the same run, alternating per round:
 *   baseline  the same row INSERTed into a plain table (no chain, no head lock);
 *   own-org   appendAudit, every writer in its own organisation (chains never contend);
 *   one-org   appendAudit, every writer in one organisation (all queue on one head row).
 * Prints transactions/s, p50/p99 per transaction, and each mode's ratio to the baseline.
 * Needs DATABASE_URL or PostgreSQL at 127.0.0.1:5432; makes and drops its own database.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { appendAudit } from '../cloud/audit/append.ts';
import { verifyAuditChains } from '../cloud/audit/verify.ts';
import type { Database } from '../cloud/store/database.ts';
import { runMigrations } from '../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../cloud/store/postgres.ts';

const { values } = parseArgs({
  options: { writers: { type: 'string', default: '8' }, seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' }, help: { type: 'boolean' } },
});
if (values.help) {
  process.stdout.write('npm run bench:audit -- [--writers 8] [--seconds 3] [--rounds 3]\n');
  process.exit(0);
}
const WRITERS = Number(values.writers);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const SERVER = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

type Mode = 'baseline' | 'own-org' | 'one-org';
const MODES: Mode[] = ['baseline', 'own-org', 'one-org'];

const detail = { raised: [{ alarmId: '0190f0c0-0000-7000-8000-000000000001', seq: 41, type: 'call', priority: 'high' }], updated: [] };

async function writeOnce(db: Database, mode: Mode, writer: number, i: number): Promise<void> {
  await db.transaction(async (tx) => {
    if (mode === 'baseline') {
      await tx.query(
        `INSERT INTO bench_plain (org_id, at, actor, action, target_type, target_id, detail) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb)`,
        [`org-${writer}`, new Date().toISOString(), JSON.stringify({ kind: 'hub', id: `hub-${writer}` }), 'alarm.write', 'hub', `hub-${writer}-${i}`, JSON.stringify(detail)],
      );
      return;
    }
    await appendAudit(tx, {
      orgId: mode === 'one-org' ? 'org-shared' : `org-${writer}`,
      actor: { kind: 'hub', id: `hub-${writer}` },
      action: 'alarm.write',
      targetType: 'hub',
      targetId: `hub-${writer}-${i}`,
      detail,
    });
  });
}

async function measure(db: Database, mode: Mode): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; performance.now() < until; i++) {
        const started = performance.now();
        await writeOnce(db, mode, w, i);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { perSecond: latencies.length / SECONDS, latencies };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const name = `carehub_bench_audit_${process.pid}_${randomBytes(3).toString('hex')}`;
const admin = createPostgresDatabase({ connectionString: SERVER, max: 1 });
await admin.exec(`CREATE DATABASE ${name}`);
const url = new URL(SERVER);
url.pathname = `/${name}`;
const db = createPostgresDatabase({ connectionString: url.toString(), max: WRITERS });
try {
  await runMigrations(db);
  await db.exec(`CREATE TABLE bench_plain (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org_id text NOT NULL, at timestamptz NOT NULL,
    actor jsonb NOT NULL, action text NOT NULL, target_type text NOT NULL, target_id text NOT NULL, detail jsonb NOT NULL)`);
  process.stderr.write(`bench:audit: ${WRITERS} writers, ${SECONDS} s per mode, ${ROUNDS} rounds, load average ${loadavg()[0]!.toFixed(2)} (other work on the machine skews figures)\n`);
  await measure(db, 'baseline'); // warm-up: connections, plans
  const results = new Map<Mode, { rates: number[]; latencies: number[] }>(MODES.map((m) => [m, { rates: [], latencies: [] }]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? MODES : [...MODES].reverse();
    for (const mode of order) {
      const { perSecond, latencies } = await measure(db, mode);
      results.get(mode)!.rates.push(perSecond);
      results.get(mode)!.latencies.push(...latencies);
      process.stderr.write(`  round ${r + 1} ${mode}: ${perSecond.toFixed(0)} tx/s\n`);
    }
  }
  const base = median(results.get('baseline')!.rates);
  for (const mode of MODES) {
    const { rates, latencies } = results.get(mode)!;
    const sorted = latencies.sort((a, b) => a - b);
    process.stdout.write(
      `${mode.padEnd(9)} median ${median(rates).toFixed(0).padStart(6)} tx/s  p50 ${pct(sorted, 50).toFixed(2)} ms  p99 ${pct(sorted, 99).toFixed(2)} ms  ratio to baseline ${(median(rates) / base).toFixed(2)}\n`,
    );
  }
  const verified = await verifyAuditChains(db);
  process.stdout.write(`chains after the run: ${verified.ok ? `ok, ${verified.entries} entries in ${verified.chains} chains` : `BROKEN: ${verified.broken.problem}`}\n`);
} finally {
  await db.close();
  await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.close();
}
