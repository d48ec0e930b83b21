/**
 * bench/drain.ts end to end at a tiny size, so it cannot rot: the backlog drains through the link
 * that refused, the first alarm is timed, the relay holds every event once, and the figures are
 * printed in the shape docs/benchmarks.md quotes.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { findPostgres, POSTGRES_HINT } from '../support/postgres.ts';
import { requireForFile } from '../support/requirements.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const server = await findPostgres();
if (!requireForFile('PostgreSQL server', 'url' in server, 'reason' in server ? `${server.reason}; ${POSTGRES_HINT}` : POSTGRES_HINT)) {
  // Reported by requireForFile: skipped on a user's machine, a failure under CI=true.
} else {
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bench/drain.ts', '--events', '2000', '--batch', '500', '--outage-s', '1'],
      { cwd: ROOT, timeout: 120_000, env: { ...process.env, DATABASE_URL: (server as { url: string }).url } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
  t.equal(run.code, 0, run.stderr);
  const line = (pattern: RegExp) => run.stdout.split('\n').map((l) => pattern.exec(l)).find((m) => m !== null);
  t.ok(line(/^link down 1 s \(hub saw it refused: yes\)/), 'the hub met the refusing link');
  const drain = line(/^drain: +(\d+) events\/s +\((\d+) events in [\d.]+ s, batches of 500\)$/);
  t.ok(drain && Number(drain[1]) > 0 && Number(drain[2]) >= 2001, run.stdout);
  t.ok(line(/^plain INSERTs: +\d+ events\/s +\(multi-row INSERT of 500 rows: p50=[\d.]+ms p99=[\d.]+ms\)$/), 'the baseline in the same run');
  t.ok(line(/^ratio drain\/plain: \d+\.\d\d/), 'the ratio');
  const first = line(/^first alarm after the link returned: (\d+) ms/);
  t.ok(first && Number(first[1]) >= 0, 'the first alarm timed');
  t.ok(line(/^hub peak RSS during the drain: \d+ MiB$/), 'peak RSS');
  t.ok(line(/^relay holds (\d+) events, \1 distinct seqs, highest \1: every event once$/), 'every event once at the relay');
}
