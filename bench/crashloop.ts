/**
 * `npm run crashloop -- --cycles N`: the crash-loop harness of test/e2e/crashloop.test.ts on its own,
 * for long runs (docs/crash-testing.md). Progress per cycle, then the hub's and relay's start times
 * (p50, p99) against the cycle time, and as the very last line exactly
 * `cycles=N acknowledged=A stored=S lost=L duplicates=D out_of_order=O`.
 * Exit status 1 when anything acknowledged was lost, doubled or reordered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { readFlags } from './flags.ts';
import { percentile } from './stats.ts';
import { runCrashLoop } from '../test/e2e/crashloop-harness.ts';
import { summaryLine } from '../test/e2e/crashloop-compare.ts';

const USAGE = `Usage: npm run crashloop -- [--cycles N] [--min-run-ms N] [--max-run-ms N] [--relay-kill-every N] [--seed N] [--keep]

  --cycles N            hub kills (default 50)
  --min-run-ms, --max-run-ms
                        the hub runs under load for a random time in this range before its kill (default 100, 600)
  --relay-kill-every N  kill the relay too every N-th cycle, while batches flow (default 10; 0 = never)
  --seed N              replay a kill schedule
  --keep                keep the work folder (logs, data) instead of removing it

The relay runs on PostgreSQL (a scratch database) when DATABASE_URL is set, else on PGlite.
`;

const Flags = z.object({
  cycles: z.coerce.number().int().min(1).default(50),
  'min-run-ms': z.coerce.number().int().min(0).default(100),
  'max-run-ms': z.coerce.number().int().min(1).default(600),
  'relay-kill-every': z.coerce.number().int().min(0).default(10),
  seed: z.coerce.number().int().min(0).optional(),
  keep: z.boolean().default(false),
});

const flags = readFlags(
  {
    cycles: { type: 'string' },
    'min-run-ms': { type: 'string' },
    'max-run-ms': { type: 'string' },
    'relay-kill-every': { type: 'string' },
    seed: { type: 'string' },
    keep: { type: 'boolean' },
  },
  Flags,
  USAGE,
);

if (flags) {
  const workDir = mkdtempSync(join(tmpdir(), 'carehub-crashloop-'));
  const databaseUrl = process.env.DATABASE_URL;
  try {
    const result = await runCrashLoop({
      workDir,
      cycles: flags.cycles,
      minRunMs: flags['min-run-ms'],
      maxRunMs: Math.max(flags['max-run-ms'], flags['min-run-ms']),
      relayKillEvery: flags['relay-kill-every'],
      ...(flags.seed !== undefined && { seed: flags.seed }),
      ...(databaseUrl && { postgresServerUrl: databaseUrl }),
      onProgress: (line) => process.stdout.write(`${line}\n`),
    });
    const v = result.verdict;
    const ms = (values: number[], p: number) => Math.round(percentile([...values].sort((a, b) => a - b), p));
    process.stdout.write(
      [
        `store: ${databaseUrl ? 'PostgreSQL' : 'PGlite'}; seed ${result.seed}; ${result.relayKills} relay kills (${result.relayKillsWhileIngesting} right after an ingest batch); ${result.sent} messages sent; ${Math.round(result.totalMs / 1000)} s in all`,
        `hub start (spawn to broker listening): p50 ${ms(result.hubStartMs, 50)} ms, p99 ${ms(result.hubStartMs, 99)} ms over ${result.hubStartMs.length} starts`,
        `relay start (spawn to listening): p50 ${ms(result.relayStartMs, 50)} ms, p99 ${ms(result.relayStartMs, 99)} ms over ${result.relayStartMs.length} starts`,
        `cycle (hub spawn to its devices detached after the kill): p50 ${ms(result.cycleMs, 50)} ms, p99 ${ms(result.cycleMs, 99)} ms; hub start p50 / cycle p50 = ${(ms(result.hubStartMs, 50) / ms(result.cycleMs, 50)).toFixed(2)}`,
        `also: seq gaps ${v.seqGaps}, unknown ${v.unknown}, stored but never acknowledged ${v.storedUnacknowledged}`,
        ...(v.lost + v.duplicates + v.outOfOrder > 0 ? [`examples: ${JSON.stringify({ lost: v.examples.lost, duplicates: v.examples.duplicates, outOfOrder: v.examples.outOfOrder })}`] : []),
        flags.keep ? `work folder kept: ${workDir}` : '',
        summaryLine(result.cycles, v),
      ]
        .filter(Boolean)
        .join('\n') + '\n',
    );
    if (v.lost + v.duplicates + v.outOfOrder > 0) process.exitCode = 1;
  } finally {
    if (!flags.keep) rmSync(workDir, { recursive: true, force: true });
  }
}
