/**
 * Promises 1 and 2 (docs/architecture.md#promises) under a crash loop (docs/crash-testing.md): 50
 * cycles of kill -9 of the real hub process at a random moment under steady MQTT and serial load,
 * the relay killed too every 10th cycle while batches flow, a restart after each; then nothing the
 * devices were acknowledged is missing at the relay, nothing is stored twice, and each device's
 * messages keep their order in the hub's seq. The relay runs on PostgreSQL when DATABASE_URL is set,
 * else on PGlite in a data folder.
 */
import t from 'tap';
import { SOCAT_MISSING_REASON, socatAvailable } from '../../firmware-sim/pty.ts';
import { requireForFile } from '../support/requirements.ts';
import { runCrashLoop } from './crashloop-harness.ts';
import { summaryLine } from './crashloop-compare.ts';

const CYCLES = 50;
// The whole file, past the suite's 180 s per file: 50 hub starts (docs/crash-testing.md#figures).
t.setTimeout(900_000);

if (requireForFile('socat', socatAvailable(), SOCAT_MISSING_REASON)) {
  // Each cycle costs one hub start (a few seconds on a loaded 2-core machine, docs/crash-testing.md#figures).
  t.test(`${CYCLES} kill -9 cycles: nothing acknowledged lost, nothing doubled, order kept`, { timeout: 900_000 }, async (t) => {
    const databaseUrl = process.env.DATABASE_URL;
    const result = await runCrashLoop({
      workDir: t.testdir(),
      cycles: CYCLES,
      minRunMs: 50,
      maxRunMs: 400,
      relayKillEvery: 10,
      ...(databaseUrl && { postgresServerUrl: databaseUrl }),
    });
    const v = result.verdict;
    t.comment(summaryLine(result.cycles, v));
    t.comment(`seed ${result.seed}; hub start median ${median(result.hubStartMs)} ms; ${result.sent} messages sent; ${Math.round(result.totalMs / 1000)} s`);
    t.equal(result.hubKills, CYCLES, 'the hub was killed in every cycle');
    t.equal(result.relayKills, CYCLES / 10, 'the relay was killed every 10th cycle');
    t.ok(v.acknowledged >= CYCLES, `devices were acknowledged ${v.acknowledged} messages (at least one a cycle)`);
    t.equal(v.lost, 0, `no acknowledged message is missing at the relay ${JSON.stringify(v.examples.lost)} (logs: ${result.logs.hub})`);
    t.equal(v.duplicates, 0, `no device message is stored twice ${JSON.stringify(v.examples.duplicates)}`);
    t.equal(v.outOfOrder, 0, `each device's messages are in seq order ${JSON.stringify(v.examples.outOfOrder)}`);
    t.equal(v.seqGaps, 0, "the relay has every seq from 1 to the hub's last");
    t.equal(v.unknown, 0, 'the relay has no device message nobody sent');
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0);
}
